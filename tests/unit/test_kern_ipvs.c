/*
 * test_kern_ipvs.c - the IPVS generic netlink messages, without a kernel.
 *
 * Each message kern_ipvs builds is parsed back with libnl against a policy
 * written here from the kernel's side of the interface (ip_vs_ctl.c), and
 * checked attribute by attribute against <linux/ip_vs.h>: command, header
 * flags, nesting, every value, its size and its byte order, and that no
 * attribute is there that should not be.  Replies are built the way the
 * kernel's ip_vs_genl_fill_service / _fill_dest build them and read back.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "kern/kern_ipvs.h"

/* A made-up generic netlink family id (real ones are >= GENL_MIN_ID). */
#define FAMILY 0x2a

/* ---- the kernel's expectations, written independently ----------------- */

static struct nla_policy p_cmd[IPVS_CMD_ATTR_MAX + 1] = {
	[IPVS_CMD_ATTR_SERVICE] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_DEST] = { .type = NLA_NESTED },
};

/* Exact sizes: u16 = 2, u32 = 4, ADDR = sizeof(union nf_inet_addr) = 16,
 * FLAGS = struct ip_vs_flags, SCHED_NAME NUL-terminated within
 * IP_VS_SCHEDNAME_MAXLEN. */
static struct nla_policy p_svc[IPVS_SVC_ATTR_MAX + 1] = {
	[IPVS_SVC_ATTR_AF] = { .type = NLA_U16, .minlen = 2, .maxlen = 2 },
	[IPVS_SVC_ATTR_PROTOCOL] = { .type = NLA_U16, .minlen = 2, .maxlen = 2 },
	[IPVS_SVC_ATTR_ADDR] = { .type = NLA_UNSPEC, .minlen = 16, .maxlen = 16 },
	[IPVS_SVC_ATTR_PORT] = { .type = NLA_U16, .minlen = 2, .maxlen = 2 },
	[IPVS_SVC_ATTR_FWMARK] = { .type = NLA_U32, .minlen = 4, .maxlen = 4 },
	[IPVS_SVC_ATTR_SCHED_NAME] = { .type = NLA_STRING, .maxlen = IP_VS_SCHEDNAME_MAXLEN },
	[IPVS_SVC_ATTR_FLAGS] = { .type = NLA_UNSPEC, .minlen = 8, .maxlen = 8 },
	[IPVS_SVC_ATTR_TIMEOUT] = { .type = NLA_U32, .minlen = 4, .maxlen = 4 },
	[IPVS_SVC_ATTR_NETMASK] = { .type = NLA_U32, .minlen = 4, .maxlen = 4 },
};

static struct nla_policy p_dest[IPVS_DEST_ATTR_MAX + 1] = {
	[IPVS_DEST_ATTR_ADDR] = { .type = NLA_UNSPEC, .minlen = 16, .maxlen = 16 },
	[IPVS_DEST_ATTR_PORT] = { .type = NLA_U16, .minlen = 2, .maxlen = 2 },
	[IPVS_DEST_ATTR_FWD_METHOD] = { .type = NLA_U32, .minlen = 4, .maxlen = 4 },
	[IPVS_DEST_ATTR_WEIGHT] = { .type = NLA_U32, .minlen = 4, .maxlen = 4 },
	[IPVS_DEST_ATTR_U_THRESH] = { .type = NLA_U32, .minlen = 4, .maxlen = 4 },
	[IPVS_DEST_ATTR_L_THRESH] = { .type = NLA_U32, .minlen = 4, .maxlen = 4 },
	[IPVS_DEST_ATTR_ADDR_FAMILY] = { .type = NLA_U16, .minlen = 2, .maxlen = 2 },
};

struct parsed {
	struct nlmsghdr *nlh;
	struct genlmsghdr *gh;
	struct nlattr *top[IPVS_CMD_ATTR_MAX + 1];
	struct nlattr *svc[IPVS_SVC_ATTR_MAX + 1];
	struct nlattr *dest[IPVS_DEST_ATTR_MAX + 1];
	int n_top, n_svc, n_dest;
};

static int count_nested(struct nlattr *nest)
{
	struct nlattr *a;
	int rem, n = 0;

	nla_for_each_nested(a, nest, rem)
		n++;
	assert_int_equal(rem, 0);
	return n;
}

/* Parse msg as the kernel would, checking the headers. */
static void parse(struct nl_msg *msg, struct parsed *p, uint8_t cmd, int flags)
{
	struct nlattr *a;
	int rem;

	memset(p, 0, sizeof(*p));
	p->nlh = nlmsg_hdr(msg);
	assert_int_equal(p->nlh->nlmsg_type, FAMILY);
	assert_int_equal(p->nlh->nlmsg_flags, flags);
	/* The IPVS family has no header of its own (hdrsize 0). */
	assert_true(genlmsg_valid_hdr(p->nlh, 0));
	p->gh = genlmsg_hdr(p->nlh);
	assert_int_equal(p->gh->cmd, cmd);
	assert_int_equal(p->gh->version, IPVS_GENL_VERSION);
	assert_int_equal(genlmsg_parse(p->nlh, 0, p->top, IPVS_CMD_ATTR_MAX, p_cmd), 0);
	nla_for_each_attr(a, genlmsg_attrdata(p->gh, 0), genlmsg_attrlen(p->gh, 0), rem)
		p->n_top++;
	if (p->top[IPVS_CMD_ATTR_SERVICE]) {
		assert_int_equal(nla_parse_nested(p->svc, IPVS_SVC_ATTR_MAX, p->top[IPVS_CMD_ATTR_SERVICE], p_svc), 0);
		p->n_svc = count_nested(p->top[IPVS_CMD_ATTR_SERVICE]);
	}
	if (p->top[IPVS_CMD_ATTR_DEST]) {
		assert_int_equal(nla_parse_nested(p->dest, IPVS_DEST_ATTR_MAX, p->top[IPVS_CMD_ATTR_DEST], p_dest), 0);
		p->n_dest = count_nested(p->top[IPVS_CMD_ATTR_DEST]);
	}
}

static uint16_t u16_of(struct nlattr *a)
{
	uint16_t v;

	assert_non_null(a);
	assert_int_equal(nla_len(a), 2);
	memcpy(&v, nla_data(a), 2);
	return v;
}

static uint32_t u32_of(struct nlattr *a)
{
	uint32_t v;

	assert_non_null(a);
	assert_int_equal(nla_len(a), 4);
	memcpy(&v, nla_data(a), 4);
	return v;
}

static void assert_bytes(struct nlattr *a, const uint8_t *want, int len)
{
	assert_non_null(a);
	assert_int_equal(nla_len(a), len);
	assert_memory_equal(nla_data(a), want, len);
}

/* A u16 port as the kernel reads it: nla_get_be16, network byte order. */
static void assert_port(struct nlattr *a, uint16_t port)
{
	const uint8_t want[2] = { (uint8_t)(port >> 8), (uint8_t)(port & 0xff) };

	assert_bytes(a, want, 2);
}

static void assert_flags(struct nlattr *a, uint32_t flags)
{
	struct ip_vs_flags f;

	assert_non_null(a);
	assert_int_equal(nla_len(a), sizeof(f));
	memcpy(&f, nla_data(a), sizeof(f));
	assert_int_equal(f.flags, flags);
	/* mask ~0: every bit is set from the message, none kept from before. */
	assert_int_equal(f.mask, 0xffffffffu);
}

/* ---- fixtures ---------------------------------------------------------- */

#define V4(a, b, c, d) { .family = AF_INET, .u = { .v6 = { .s6_addr = { a, b, c, d } } } }
#define V6(x) { .family = AF_INET6, .u = { .v6 = { .s6_addr = \
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, x } } } }

static const uint8_t A_192_0_2_1[16] = { 192, 0, 2, 1 };
static const uint8_t A_192_0_2_11[16] = { 192, 0, 2, 11 };
static const uint8_t A_2001_DB8_1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t A_2001_DB8_11[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11 };

static const struct lb_svc_key vs_tcp4 = {
	.af = AF_INET, .proto = LB_PROTO_TCP, .addr = V4(192, 0, 2, 1), .port = 80,
};
static const struct lb_svc_key vs_tcp6 = {
	.af = AF_INET6, .proto = LB_PROTO_TCP, .addr = V6(1), .port = 443,
};
static const struct lb_svc_key vs_fwm = { .af = AF_INET, .fwmark = 0x1234 };
static const struct lb_dest_key rs4 = { .addr = V4(192, 0, 2, 11), .port = 8080 };
static const struct lb_dest_key rs6 = { .addr = V6(0x11), .port = 443 };

static struct nl_msg *new_msg(void)
{
	struct nl_msg *m = nlmsg_alloc();

	assert_non_null(m);
	return m;
}

/* ---- services ---------------------------------------------------------- */

static void test_add_service_ipv4_tcp_persistent(void **state)
{
	struct lb_svc_conf c = {
		.sched = "wrr", .flags = LB_SVC_F_PERSISTENT, .timeout = 300, .persist_prefix = 24,
	};
	static const uint8_t mask24[4] = { 0xff, 0xff, 0xff, 0x00 };
	struct nl_msg *m = new_msg();
	struct parsed p;

	assert_int_equal(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_SERVICE, &vs_tcp4, &c), 0);
	parse(m, &p, IPVS_CMD_NEW_SERVICE, NLM_F_ACK);
	assert_int_equal(p.n_top, 1);
	assert_non_null(p.top[IPVS_CMD_ATTR_SERVICE]);
	assert_int_equal(p.n_svc, 8);
	assert_int_equal(u16_of(p.svc[IPVS_SVC_ATTR_AF]), AF_INET);
	assert_int_equal(u16_of(p.svc[IPVS_SVC_ATTR_PROTOCOL]), IPPROTO_TCP);
	assert_bytes(p.svc[IPVS_SVC_ATTR_ADDR], A_192_0_2_1, 16);
	assert_port(p.svc[IPVS_SVC_ATTR_PORT], 80);
	assert_null(p.svc[IPVS_SVC_ATTR_FWMARK]);
	assert_int_equal(nla_len(p.svc[IPVS_SVC_ATTR_SCHED_NAME]), 4);
	assert_string_equal(nla_get_string(p.svc[IPVS_SVC_ATTR_SCHED_NAME]), "wrr");
	assert_flags(p.svc[IPVS_SVC_ATTR_FLAGS], IP_VS_SVC_F_PERSISTENT);
	assert_int_equal(u32_of(p.svc[IPVS_SVC_ATTR_TIMEOUT]), 300);
	/* IPv4 netmask: the mask itself, in network byte order. */
	assert_bytes(p.svc[IPVS_SVC_ATTR_NETMASK], mask24, 4);
	nlmsg_free(m);
}

static void test_edit_service_without_persistence(void **state)
{
	struct lb_svc_conf c = { .sched = "rr" };
	struct lb_svc_key k = vs_tcp4;
	static const uint8_t host[4] = { 0xff, 0xff, 0xff, 0xff };
	struct nl_msg *m = new_msg();
	struct parsed p;

	k.proto = LB_PROTO_UDP;
	k.port = 53;
	assert_int_equal(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_SET_SERVICE, &k, &c), 0);
	parse(m, &p, IPVS_CMD_SET_SERVICE, NLM_F_ACK);
	assert_int_equal(p.n_svc, 8);
	assert_int_equal(u16_of(p.svc[IPVS_SVC_ATTR_PROTOCOL]), IPPROTO_UDP);
	assert_port(p.svc[IPVS_SVC_ATTR_PORT], 53);
	assert_string_equal(nla_get_string(p.svc[IPVS_SVC_ATTR_SCHED_NAME]), "rr");
	assert_flags(p.svc[IPVS_SVC_ATTR_FLAGS], 0);
	assert_int_equal(u32_of(p.svc[IPVS_SVC_ATTR_TIMEOUT]), 0);
	/* Granularity 0 means one client address: 255.255.255.255. */
	assert_bytes(p.svc[IPVS_SVC_ATTR_NETMASK], host, 4);
	nlmsg_free(m);
}

static void test_service_flags(void **state)
{
	struct lb_svc_conf c = {
		.sched = "sh", .flags = LB_SVC_F_SCHED1 | LB_SVC_F_SCHED2 | LB_SVC_F_ONEPACKET,
	};
	struct nl_msg *m = new_msg();
	struct parsed p;

	assert_int_equal(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_SERVICE, &vs_tcp4, &c), 0);
	parse(m, &p, IPVS_CMD_NEW_SERVICE, NLM_F_ACK);
	assert_flags(p.svc[IPVS_SVC_ATTR_FLAGS],
		     IP_VS_SVC_F_SCHED_SH_FALLBACK | IP_VS_SVC_F_SCHED_SH_PORT | IP_VS_SVC_F_ONEPACKET);
	nlmsg_free(m);
}

static void test_delete_service_carries_identity_only(void **state)
{
	struct nl_msg *m = new_msg();
	struct parsed p;

	assert_int_equal(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_DEL_SERVICE, &vs_tcp4, NULL), 0);
	parse(m, &p, IPVS_CMD_DEL_SERVICE, NLM_F_ACK);
	assert_int_equal(p.n_top, 1);
	assert_int_equal(p.n_svc, 4);
	assert_int_equal(u16_of(p.svc[IPVS_SVC_ATTR_AF]), AF_INET);
	assert_int_equal(u16_of(p.svc[IPVS_SVC_ATTR_PROTOCOL]), IPPROTO_TCP);
	assert_bytes(p.svc[IPVS_SVC_ATTR_ADDR], A_192_0_2_1, 16);
	assert_port(p.svc[IPVS_SVC_ATTR_PORT], 80);
	assert_null(p.svc[IPVS_SVC_ATTR_SCHED_NAME]);
	assert_null(p.svc[IPVS_SVC_ATTR_FLAGS]);
	nlmsg_free(m);
}

static void test_fwmark_service(void **state)
{
	struct lb_svc_conf c = { .sched = "wlc" };
	struct nl_msg *m = new_msg();
	struct parsed p;

	assert_int_equal(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_SERVICE, &vs_fwm, &c), 0);
	parse(m, &p, IPVS_CMD_NEW_SERVICE, NLM_F_ACK);
	/* AF and FWMARK identify it; no protocol, address or port. */
	assert_int_equal(p.n_svc, 6);
	assert_int_equal(u16_of(p.svc[IPVS_SVC_ATTR_AF]), AF_INET);
	assert_int_equal(u32_of(p.svc[IPVS_SVC_ATTR_FWMARK]), 0x1234);
	assert_null(p.svc[IPVS_SVC_ATTR_PROTOCOL]);
	assert_null(p.svc[IPVS_SVC_ATTR_ADDR]);
	assert_null(p.svc[IPVS_SVC_ATTR_PORT]);
	assert_string_equal(nla_get_string(p.svc[IPVS_SVC_ATTR_SCHED_NAME]), "wlc");
	nlmsg_free(m);

	m = new_msg();
	assert_int_equal(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_DEL_SERVICE, &vs_fwm, NULL), 0);
	parse(m, &p, IPVS_CMD_DEL_SERVICE, NLM_F_ACK);
	assert_int_equal(p.n_svc, 2);
	assert_int_equal(u32_of(p.svc[IPVS_SVC_ATTR_FWMARK]), 0x1234);
	nlmsg_free(m);
}

static void test_ipv6_service(void **state)
{
	struct lb_svc_conf persistent = {
		.sched = "lblc", .flags = LB_SVC_F_PERSISTENT, .timeout = 60, .persist_prefix = 64,
	};
	struct lb_svc_conf plain = { .sched = "lblc" };
	struct lb_svc_key f6 = { .af = AF_INET6, .fwmark = 9 };
	struct nl_msg *m = new_msg();
	struct parsed p;

	assert_int_equal(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_SERVICE, &vs_tcp6, &persistent), 0);
	parse(m, &p, IPVS_CMD_NEW_SERVICE, NLM_F_ACK);
	assert_int_equal(p.n_svc, 8);
	assert_int_equal(u16_of(p.svc[IPVS_SVC_ATTR_AF]), AF_INET6);
	assert_bytes(p.svc[IPVS_SVC_ATTR_ADDR], A_2001_DB8_1, 16);
	assert_port(p.svc[IPVS_SVC_ATTR_PORT], 443);
	/* IPv6 netmask: a prefix length, host byte order (the kernel checks
	 * 1..128 on the raw value). */
	assert_int_equal(u32_of(p.svc[IPVS_SVC_ATTR_NETMASK]), 64);
	nlmsg_free(m);

	/* Even without persistence the kernel wants 1..128: one address. */
	m = new_msg();
	assert_int_equal(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_SERVICE, &vs_tcp6, &plain), 0);
	parse(m, &p, IPVS_CMD_NEW_SERVICE, NLM_F_ACK);
	assert_int_equal(u32_of(p.svc[IPVS_SVC_ATTR_NETMASK]), 128);
	nlmsg_free(m);

	m = new_msg();
	assert_int_equal(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_SERVICE, &f6, &plain), 0);
	parse(m, &p, IPVS_CMD_NEW_SERVICE, NLM_F_ACK);
	assert_int_equal(u16_of(p.svc[IPVS_SVC_ATTR_AF]), AF_INET6);
	assert_int_equal(u32_of(p.svc[IPVS_SVC_ATTR_FWMARK]), 9);
	assert_int_equal(u32_of(p.svc[IPVS_SVC_ATTR_NETMASK]), 128);
	nlmsg_free(m);
}

static void test_protocols(void **state)
{
	static const struct { enum lb_proto proto; uint16_t ipproto; } t[] = {
		{ LB_PROTO_TCP, IPPROTO_TCP }, { LB_PROTO_UDP, IPPROTO_UDP }, { LB_PROTO_SCTP, IPPROTO_SCTP },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct lb_svc_key k = vs_tcp4;
		struct nl_msg *m = new_msg();
		struct parsed p;

		k.proto = t[i].proto;
		assert_int_equal(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_DEL_SERVICE, &k, NULL), 0);
		parse(m, &p, IPVS_CMD_DEL_SERVICE, NLM_F_ACK);
		assert_int_equal(u16_of(p.svc[IPVS_SVC_ATTR_PROTOCOL]), t[i].ipproto);
		nlmsg_free(m);
	}
}

/* ---- destinations ------------------------------------------------------ */

static void test_add_dest_nat(void **state)
{
	struct lb_dest_conf c = { .fwd = LB_FWD_NAT, .weight = 3, .u_thresh = 1000, .l_thresh = 100 };
	struct nl_msg *m = new_msg();
	struct parsed p;

	assert_int_equal(kern_ipvs_build_dest(m, FAMILY, IPVS_CMD_NEW_DEST, &vs_tcp4, &rs4, &c), 0);
	parse(m, &p, IPVS_CMD_NEW_DEST, NLM_F_ACK);
	/* The service that holds it (identity only), then the destination. */
	assert_int_equal(p.n_top, 2);
	assert_int_equal(p.n_svc, 4);
	assert_bytes(p.svc[IPVS_SVC_ATTR_ADDR], A_192_0_2_1, 16);
	assert_port(p.svc[IPVS_SVC_ATTR_PORT], 80);
	assert_null(p.svc[IPVS_SVC_ATTR_SCHED_NAME]);
	assert_int_equal(p.n_dest, 7);
	assert_bytes(p.dest[IPVS_DEST_ATTR_ADDR], A_192_0_2_11, 16);
	assert_port(p.dest[IPVS_DEST_ATTR_PORT], 8080);
	assert_int_equal(u16_of(p.dest[IPVS_DEST_ATTR_ADDR_FAMILY]), AF_INET);
	assert_int_equal(u32_of(p.dest[IPVS_DEST_ATTR_FWD_METHOD]), IP_VS_CONN_F_MASQ);
	assert_int_equal(u32_of(p.dest[IPVS_DEST_ATTR_WEIGHT]), 3);
	assert_int_equal(u32_of(p.dest[IPVS_DEST_ATTR_U_THRESH]), 1000);
	assert_int_equal(u32_of(p.dest[IPVS_DEST_ATTR_L_THRESH]), 100);
	nlmsg_free(m);
}

static void test_forwarding_methods(void **state)
{
	static const struct { enum lb_fwd fwd; uint32_t conn_flag; } t[] = {
		{ LB_FWD_NAT, IP_VS_CONN_F_MASQ },      /* -m */
		{ LB_FWD_DR, IP_VS_CONN_F_DROUTE },     /* -g */
		{ LB_FWD_TUN, IP_VS_CONN_F_TUNNEL },    /* -i */
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct lb_dest_conf c = { .fwd = t[i].fwd, .weight = 0 };
		struct nl_msg *m = new_msg();
		struct parsed p;

		assert_int_equal(kern_ipvs_build_dest(m, FAMILY, IPVS_CMD_SET_DEST, &vs_fwm, &rs4, &c), 0);
		parse(m, &p, IPVS_CMD_SET_DEST, NLM_F_ACK);
		assert_int_equal(p.n_svc, 2);
		assert_int_equal(u32_of(p.svc[IPVS_SVC_ATTR_FWMARK]), 0x1234);
		assert_int_equal(u32_of(p.dest[IPVS_DEST_ATTR_FWD_METHOD]), t[i].conn_flag);
		assert_int_equal(u32_of(p.dest[IPVS_DEST_ATTR_WEIGHT]), 0);
		nlmsg_free(m);
	}
}

static void test_delete_dest(void **state)
{
	struct nl_msg *m = new_msg();
	struct parsed p;

	assert_int_equal(kern_ipvs_build_dest(m, FAMILY, IPVS_CMD_DEL_DEST, &vs_tcp6, &rs6, NULL), 0);
	parse(m, &p, IPVS_CMD_DEL_DEST, NLM_F_ACK);
	assert_int_equal(p.n_top, 2);
	assert_int_equal(p.n_svc, 4);
	assert_int_equal(u16_of(p.svc[IPVS_SVC_ATTR_AF]), AF_INET6);
	assert_int_equal(p.n_dest, 3);
	assert_bytes(p.dest[IPVS_DEST_ATTR_ADDR], A_2001_DB8_11, 16);
	assert_port(p.dest[IPVS_DEST_ATTR_PORT], 443);
	assert_int_equal(u16_of(p.dest[IPVS_DEST_ATTR_ADDR_FAMILY]), AF_INET6);
	assert_null(p.dest[IPVS_DEST_ATTR_WEIGHT]);
	assert_null(p.dest[IPVS_DEST_ATTR_FWD_METHOD]);
	nlmsg_free(m);
}

/* IPVS tunnels an IPv6 service to an IPv4 real server (ADDR_FAMILY says
 * which): the address still travels in 16 bytes. */
static void test_ipv4_dest_in_ipv6_service(void **state)
{
	struct lb_dest_conf c = { .fwd = LB_FWD_TUN, .weight = 1 };
	struct nl_msg *m = new_msg();
	struct parsed p;

	assert_int_equal(kern_ipvs_build_dest(m, FAMILY, IPVS_CMD_NEW_DEST, &vs_tcp6, &rs4, &c), 0);
	parse(m, &p, IPVS_CMD_NEW_DEST, NLM_F_ACK);
	assert_int_equal(u16_of(p.svc[IPVS_SVC_ATTR_AF]), AF_INET6);
	assert_int_equal(u16_of(p.dest[IPVS_DEST_ATTR_ADDR_FAMILY]), AF_INET);
	assert_bytes(p.dest[IPVS_DEST_ATTR_ADDR], A_192_0_2_11, 16);
	assert_int_equal(u32_of(p.dest[IPVS_DEST_ATTR_FWD_METHOD]), IP_VS_CONN_F_TUNNEL);
	nlmsg_free(m);
}

/* ---- listings and info ------------------------------------------------- */

static void test_list_and_info_requests(void **state)
{
	struct nl_msg *m = new_msg();
	struct parsed p;

	assert_int_equal(kern_ipvs_build_list_services(m, FAMILY), 0);
	parse(m, &p, IPVS_CMD_GET_SERVICE, NLM_F_DUMP);
	assert_int_equal(p.n_top, 0);
	nlmsg_free(m);

	m = new_msg();
	assert_int_equal(kern_ipvs_build_list_dests(m, FAMILY, &vs_tcp4), 0);
	parse(m, &p, IPVS_CMD_GET_DEST, NLM_F_DUMP);
	assert_int_equal(p.n_top, 1);
	assert_int_equal(p.n_svc, 4);
	assert_bytes(p.svc[IPVS_SVC_ATTR_ADDR], A_192_0_2_1, 16);
	assert_port(p.svc[IPVS_SVC_ATTR_PORT], 80);
	nlmsg_free(m);

	m = new_msg();
	assert_int_equal(kern_ipvs_build_get_info(m, FAMILY), 0);
	parse(m, &p, IPVS_CMD_GET_INFO, NLM_F_ACK);
	assert_int_equal(p.n_top, 0);
	nlmsg_free(m);
}

static void test_build_op_picks_the_command(void **state)
{
	static const struct { enum lb_op_kind kind; uint8_t cmd; int n_top; } t[] = {
		{ LB_OP_ADD_SVC, IPVS_CMD_NEW_SERVICE, 1 },
		{ LB_OP_EDIT_SVC, IPVS_CMD_SET_SERVICE, 1 },
		{ LB_OP_DEL_SVC, IPVS_CMD_DEL_SERVICE, 1 },
		{ LB_OP_ADD_DEST, IPVS_CMD_NEW_DEST, 2 },
		{ LB_OP_EDIT_DEST, IPVS_CMD_SET_DEST, 2 },
		{ LB_OP_DEL_DEST, IPVS_CMD_DEL_DEST, 2 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct lb_op op = {
			.kind = t[i].kind, .svc = vs_tcp4, .svc_conf = { .sched = "rr" },
			.dest = rs4, .dest_conf = { .fwd = LB_FWD_DR, .weight = 2 },
		};
		struct nl_msg *m = new_msg();
		struct parsed p;

		assert_int_equal(kern_ipvs_build_op(m, FAMILY, &op), 0);
		parse(m, &p, t[i].cmd, NLM_F_ACK);
		assert_int_equal(p.n_top, t[i].n_top);
		nlmsg_free(m);
	}
}

static void test_refuses_what_ipvs_cannot_take(void **state)
{
	struct lb_svc_conf c = { .sched = "rr" };
	struct lb_svc_conf nosched = { .sched = "" };
	struct lb_svc_conf longsched;
	struct lb_dest_conf neg = { .fwd = LB_FWD_NAT, .weight = -1 };
	struct lb_dest_conf other = { .fwd = LB_FWD_OTHER, .weight = 1 };
	struct lb_dest_conf ok = { .fwd = LB_FWD_NAT, .weight = 1 };
	struct lb_svc_key noaf = vs_tcp4, mixed = vs_tcp4, badproto = vs_tcp4;
	struct lb_dest_key nofamily = rs4;
	struct nl_msg *m;

	noaf.af = AF_UNSPEC;
	mixed.af = AF_INET6;            /* an IPv4 address in an IPv6 key */
	badproto.proto = (enum lb_proto)1;
	nofamily.addr.family = AF_UNSPEC;
	memset(&longsched, 0, sizeof(longsched));
	memset(longsched.sched, 'x', sizeof(longsched.sched));   /* no room for the NUL */

#define REFUSED(call) do { m = new_msg(); assert_int_equal(call, -EINVAL); nlmsg_free(m); } while (0)
	REFUSED(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_SERVICE, &noaf, &c));
	REFUSED(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_SERVICE, &mixed, &c));
	REFUSED(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_SERVICE, &badproto, &c));
	REFUSED(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_SERVICE, &vs_tcp4, &nosched));
	REFUSED(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_SERVICE, &vs_tcp4, &longsched));
	REFUSED(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_SERVICE, &vs_tcp4, NULL));
	REFUSED(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_DEST, &vs_tcp4, &c));
	REFUSED(kern_ipvs_build_dest(m, FAMILY, IPVS_CMD_NEW_DEST, &vs_tcp4, &rs4, &neg));
	REFUSED(kern_ipvs_build_dest(m, FAMILY, IPVS_CMD_SET_DEST, &vs_tcp4, &rs4, &other));
	REFUSED(kern_ipvs_build_dest(m, FAMILY, IPVS_CMD_NEW_DEST, &vs_tcp4, &rs4, NULL));
	REFUSED(kern_ipvs_build_dest(m, FAMILY, IPVS_CMD_NEW_DEST, &vs_tcp4, &nofamily, &ok));
	REFUSED(kern_ipvs_build_dest(m, FAMILY, IPVS_CMD_NEW_SERVICE, &vs_tcp4, &rs4, &ok));
#undef REFUSED
}

/* ---- replies, built as the kernel builds them -------------------------- */

static void put_stats(struct nl_msg *m, int type, bool wide, uint64_t base)
{
	struct nlattr *s = nla_nest_start(m, type);

	assert_non_null(s);
	if (wide) {
		int a;

		for (a = IPVS_STATS_ATTR_CONNS; a <= IPVS_STATS_ATTR_OUTBPS; a++)
			assert_int_equal(nla_put_u64(m, a, base + (uint64_t)a), 0);
	} else {
		/* ip_vs_genl_fill_stats: u32 counters, u64 bytes. */
		assert_int_equal(nla_put_u32(m, IPVS_STATS_ATTR_CONNS, (uint32_t)base + 1), 0);
		assert_int_equal(nla_put_u32(m, IPVS_STATS_ATTR_INPKTS, (uint32_t)base + 2), 0);
		assert_int_equal(nla_put_u32(m, IPVS_STATS_ATTR_OUTPKTS, (uint32_t)base + 3), 0);
		assert_int_equal(nla_put_u64(m, IPVS_STATS_ATTR_INBYTES, base + 4), 0);
		assert_int_equal(nla_put_u64(m, IPVS_STATS_ATTR_OUTBYTES, base + 5), 0);
		assert_int_equal(nla_put_u32(m, IPVS_STATS_ATTR_CPS, (uint32_t)base + 6), 0);
		assert_int_equal(nla_put_u32(m, IPVS_STATS_ATTR_INPPS, (uint32_t)base + 7), 0);
		assert_int_equal(nla_put_u32(m, IPVS_STATS_ATTR_OUTPPS, (uint32_t)base + 8), 0);
		assert_int_equal(nla_put_u32(m, IPVS_STATS_ATTR_INBPS, (uint32_t)base + 9), 0);
		assert_int_equal(nla_put_u32(m, IPVS_STATS_ATTR_OUTBPS, (uint32_t)base + 10), 0);
	}
	nla_nest_end(m, s);
}

/* ip_vs_genl_fill_service for an address service, or a fwmark one. */
static struct nl_msg *service_reply(int af, uint32_t fwmark, const uint8_t addr[16], uint16_t port,
				    const char *sched, uint32_t flags, uint32_t timeout, uint32_t netmask,
				    bool stats64)
{
	struct nl_msg *m = new_msg();
	struct ip_vs_flags fl = { .flags = flags, .mask = ~0u };
	struct nlattr *n;

	assert_non_null(genlmsg_put(m, 0, 1, FAMILY, 0, NLM_F_MULTI, IPVS_CMD_NEW_SERVICE, IPVS_GENL_VERSION));
	n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
	assert_int_equal(nla_put_u16(m, IPVS_SVC_ATTR_AF, (uint16_t)af), 0);
	if (fwmark) {
		assert_int_equal(nla_put_u32(m, IPVS_SVC_ATTR_FWMARK, fwmark), 0);
	} else {
		assert_int_equal(nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP), 0);
		assert_int_equal(nla_put(m, IPVS_SVC_ATTR_ADDR, 16, addr), 0);
		assert_int_equal(nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(port)), 0);
	}
	assert_int_equal(nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, sched), 0);
	assert_int_equal(nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl), 0);
	assert_int_equal(nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, timeout), 0);
	assert_int_equal(nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, netmask), 0);
	put_stats(m, IPVS_SVC_ATTR_STATS, false, 1000);
	if (stats64)
		put_stats(m, IPVS_SVC_ATTR_STATS64, true, 5000000000ull);
	nla_nest_end(m, n);
	return m;
}

static void test_parse_service_reply(void **state)
{
	struct nl_msg *m = service_reply(AF_INET, 0, A_192_0_2_1, 80, "wlc",
					 IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED, 300,
					 htonl(0xffffff00), true);
	struct lb_kservice s;

	assert_int_equal(kern_ipvs_parse_service(m, &s), 0);
	assert_int_equal(lb_svc_key_cmp(&s.key, &vs_tcp4), 0);
	assert_string_equal(s.conf.sched, "wlc");
	/* HASHED is the kernel's own bit, never a difference to reconcile. */
	assert_int_equal(s.conf.flags, LB_SVC_F_PERSISTENT);
	assert_int_equal(s.conf.timeout, 300);
	assert_int_equal(s.conf.persist_prefix, 24);
	/* The 64-bit counters win over the 32-bit ones. */
	assert_int_equal(s.stats.conns, 5000000000ull + IPVS_STATS_ATTR_CONNS);
	assert_int_equal(s.stats.outbytes, 5000000000ull + IPVS_STATS_ATTR_OUTBYTES);
	assert_int_equal(s.stats.outbps, 5000000000ull + IPVS_STATS_ATTR_OUTBPS);
	assert_null(s.dests);
	nlmsg_free(m);

	/* An older kernel: 32-bit counters only. */
	m = service_reply(AF_INET, 0, A_192_0_2_1, 80, "rr", IP_VS_SVC_F_HASHED, 0, 0xffffffffu, false);
	assert_int_equal(kern_ipvs_parse_service(m, &s), 0);
	assert_int_equal(s.conf.flags, 0);
	assert_int_equal(s.conf.persist_prefix, 32);
	assert_int_equal(s.stats.conns, 1001);
	assert_int_equal(s.stats.inpkts, 1002);
	assert_int_equal(s.stats.inbytes, 1004);
	assert_int_equal(s.stats.cps, 1006);
	assert_int_equal(s.stats.outbps, 1010);
	nlmsg_free(m);

	/* A netmask that is no prefix (set by hand) never equals a wanted one. */
	m = service_reply(AF_INET, 0, A_192_0_2_1, 80, "rr", 0, 0, htonl(0xff00ff00), false);
	assert_int_equal(kern_ipvs_parse_service(m, &s), 0);
	assert_int_equal(s.conf.persist_prefix, -1);
	nlmsg_free(m);
}

static void test_parse_fwmark_and_ipv6_replies(void **state)
{
	struct lb_svc_key k6 = vs_tcp6;
	struct nl_msg *m = service_reply(AF_INET, 0x1234, NULL, 0, "sh", IP_VS_SVC_F_HASHED, 0,
					 0xffffffffu, true);
	struct lb_kservice s;

	assert_int_equal(kern_ipvs_parse_service(m, &s), 0);
	assert_int_equal(lb_svc_key_cmp(&s.key, &vs_fwm), 0);
	assert_int_equal(s.key.fwmark, 0x1234);
	nlmsg_free(m);

	k6.port = 80;
	m = service_reply(AF_INET6, 0, A_2001_DB8_1, 80, "wrr", IP_VS_SVC_F_HASHED, 0, 128, true);
	assert_int_equal(kern_ipvs_parse_service(m, &s), 0);
	assert_int_equal(lb_svc_key_cmp(&s.key, &k6), 0);
	assert_int_equal(s.key.addr.family, AF_INET6);
	assert_int_equal(s.conf.persist_prefix, 128);
	nlmsg_free(m);

	/* Without what identifies it, a reply is refused. */
	m = new_msg();
	assert_non_null(genlmsg_put(m, 0, 1, FAMILY, 0, 0, IPVS_CMD_NEW_SERVICE, IPVS_GENL_VERSION));
	assert_int_equal(kern_ipvs_parse_service(m, &s), -EINVAL);
	nlmsg_free(m);
}

/* ip_vs_genl_fill_dest. */
static struct nl_msg *dest_reply(const uint8_t addr[16], uint16_t port, int af, uint32_t fwd, uint32_t weight)
{
	struct nl_msg *m = new_msg();
	struct nlattr *n;

	assert_non_null(genlmsg_put(m, 0, 1, FAMILY, 0, NLM_F_MULTI, IPVS_CMD_NEW_DEST, IPVS_GENL_VERSION));
	n = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
	assert_int_equal(nla_put(m, IPVS_DEST_ATTR_ADDR, 16, addr), 0);
	assert_int_equal(nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(port)), 0);
	assert_int_equal(nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, fwd), 0);
	assert_int_equal(nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, weight), 0);
	assert_int_equal(nla_put_u32(m, IPVS_DEST_ATTR_U_THRESH, 500), 0);
	assert_int_equal(nla_put_u32(m, IPVS_DEST_ATTR_L_THRESH, 50), 0);
	assert_int_equal(nla_put_u32(m, IPVS_DEST_ATTR_ACTIVE_CONNS, 7), 0);
	assert_int_equal(nla_put_u32(m, IPVS_DEST_ATTR_INACT_CONNS, 8), 0);
	assert_int_equal(nla_put_u32(m, IPVS_DEST_ATTR_PERSIST_CONNS, 9), 0);
	if (af)
		assert_int_equal(nla_put_u16(m, IPVS_DEST_ATTR_ADDR_FAMILY, (uint16_t)af), 0);
	put_stats(m, IPVS_DEST_ATTR_STATS, false, 0);
	nla_nest_end(m, n);
	return m;
}

static void test_parse_dest_reply(void **state)
{
	struct nl_msg *m = dest_reply(A_192_0_2_11, 8080, AF_INET, IP_VS_CONN_F_DROUTE, 4);
	struct lb_kdest d;

	assert_int_equal(kern_ipvs_parse_dest(m, AF_INET6, &d), 0);
	assert_int_equal(lb_dest_key_cmp(&d.key, &rs4), 0);
	assert_int_equal(d.conf.fwd, LB_FWD_DR);
	assert_int_equal(d.conf.weight, 4);
	assert_int_equal(d.conf.u_thresh, 500);
	assert_int_equal(d.conf.l_thresh, 50);
	assert_int_equal(d.active_conns, 7);
	assert_int_equal(d.inact_conns, 8);
	assert_int_equal(d.persist_conns, 9);
	assert_int_equal(d.stats.conns, 1);
	assert_int_equal(d.stats.outbytes, 5);
	nlmsg_free(m);

	/* No ADDR_FAMILY (kernels before 3.18): the service's family. */
	m = dest_reply(A_2001_DB8_11, 443, 0, IP_VS_CONN_F_MASQ, 0);
	assert_int_equal(kern_ipvs_parse_dest(m, AF_INET6, &d), 0);
	assert_int_equal(lb_dest_key_cmp(&d.key, &rs6), 0);
	assert_int_equal(d.conf.fwd, LB_FWD_NAT);
	assert_int_equal(d.conf.weight, 0);
	nlmsg_free(m);

	m = dest_reply(A_192_0_2_11, 80, AF_INET, IP_VS_CONN_F_TUNNEL, 1);
	assert_int_equal(kern_ipvs_parse_dest(m, AF_INET, &d), 0);
	assert_int_equal(d.conf.fwd, LB_FWD_TUN);
	nlmsg_free(m);

	m = dest_reply(A_192_0_2_11, 80, AF_INET, IP_VS_CONN_F_LOCALNODE, 1);
	assert_int_equal(kern_ipvs_parse_dest(m, AF_INET, &d), 0);
	assert_int_equal(d.conf.fwd, LB_FWD_OTHER);
	nlmsg_free(m);
}

/* What vigil sends, read back by the code that reads the kernel's
 * replies, is what it meant: the two sides agree on every field. */
static void test_round_trip(void **state)
{
	struct lb_svc_conf c = {
		.sched = "mh", .flags = LB_SVC_F_PERSISTENT | LB_SVC_F_SCHED1, .timeout = 900, .persist_prefix = 20,
	};
	struct lb_dest_conf dc = { .fwd = LB_FWD_TUN, .weight = 65535, .u_thresh = 10, .l_thresh = 2 };
	const struct lb_svc_key *keys[] = { &vs_tcp4, &vs_tcp6, &vs_fwm };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct nl_msg *m = new_msg();
		struct lb_kservice s;
		struct lb_kdest d;

		c.persist_prefix = keys[i]->af == AF_INET6 ? 56 : 20;
		assert_int_equal(kern_ipvs_build_service(m, FAMILY, IPVS_CMD_NEW_SERVICE, keys[i], &c), 0);
		assert_int_equal(kern_ipvs_parse_service(m, &s), 0);
		assert_int_equal(lb_svc_key_cmp(&s.key, keys[i]), 0);
		assert_string_equal(s.conf.sched, c.sched);
		assert_int_equal(s.conf.flags, c.flags);
		assert_int_equal(s.conf.timeout, c.timeout);
		assert_int_equal(s.conf.persist_prefix, c.persist_prefix);
		nlmsg_free(m);

		m = new_msg();
		assert_int_equal(kern_ipvs_build_dest(m, FAMILY, IPVS_CMD_NEW_DEST, keys[i], &rs6, &dc), 0);
		assert_int_equal(kern_ipvs_parse_dest(m, keys[i]->af, &d), 0);
		assert_int_equal(lb_dest_key_cmp(&d.key, &rs6), 0);
		assert_int_equal(d.conf.fwd, dc.fwd);
		assert_int_equal(d.conf.weight, dc.weight);
		assert_int_equal(d.conf.u_thresh, dc.u_thresh);
		assert_int_equal(d.conf.l_thresh, dc.l_thresh);
		nlmsg_free(m);
	}
}

/* ---- the kernel side --------------------------------------------------- */

static void test_open_without_ipvs_names_the_fix(void **state)
{
	char err[KERN_IPVS_ERRLEN];
	struct kern_ipvs *ipvs = kern_ipvs_open(err);

	if (ipvs) {
		/* This kernel has IPVS and we may use it: tests/vm covers that. */
		kern_ipvs_close(ipvs);
		skip();
	}
	print_message("# %s\n", err);
	assert_true(strstr(err, "modprobe ip_vs") || strstr(err, "CAP_NET_ADMIN"));
}

static void test_errors_read_like_ipvsadm(void **state)
{
	assert_string_equal(kern_ipvs_strerror(LB_OP_ADD_SVC, -EEXIST), "service already exists");
	assert_string_equal(kern_ipvs_strerror(LB_OP_ADD_DEST, -EEXIST), "destination already exists");
	assert_string_equal(kern_ipvs_strerror(LB_OP_EDIT_SVC, -ESRCH), "no such service");
	assert_string_equal(kern_ipvs_strerror(LB_OP_DEL_DEST, -ENOENT), "no such destination");
	assert_non_null(strstr(kern_ipvs_strerror(LB_OP_ADD_SVC, -ENOENT), "scheduler"));
	assert_non_null(strstr(kern_ipvs_strerror(LB_OP_ADD_DEST, -EPERM), "CAP_NET_ADMIN"));
}

static void test_model_constants_are_the_kernels(void **state)
{
	assert_int_equal(LB_SVC_F_PERSISTENT, IP_VS_SVC_F_PERSISTENT);
	assert_int_equal(LB_SVC_F_ONEPACKET, IP_VS_SVC_F_ONEPACKET);
	assert_int_equal(LB_SVC_F_SCHED1, IP_VS_SVC_F_SCHED1);
	assert_int_equal(LB_SVC_F_SCHED2, IP_VS_SVC_F_SCHED2);
	assert_int_equal(LB_SVC_F_SCHED3, IP_VS_SVC_F_SCHED3);
	assert_false(LB_SVC_F_ALL & IP_VS_SVC_F_HASHED);
	assert_int_equal(LB_PROTO_TCP, IPPROTO_TCP);
	assert_int_equal(LB_PROTO_UDP, IPPROTO_UDP);
	assert_int_equal(LB_PROTO_SCTP, IPPROTO_SCTP);
	assert_int_equal(LB_SCHED_MAXLEN, IP_VS_SCHEDNAME_MAXLEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_service_ipv4_tcp_persistent),
		cmocka_unit_test(test_edit_service_without_persistence),
		cmocka_unit_test(test_service_flags),
		cmocka_unit_test(test_delete_service_carries_identity_only),
		cmocka_unit_test(test_fwmark_service),
		cmocka_unit_test(test_ipv6_service),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_add_dest_nat),
		cmocka_unit_test(test_forwarding_methods),
		cmocka_unit_test(test_delete_dest),
		cmocka_unit_test(test_ipv4_dest_in_ipv6_service),
		cmocka_unit_test(test_list_and_info_requests),
		cmocka_unit_test(test_build_op_picks_the_command),
		cmocka_unit_test(test_refuses_what_ipvs_cannot_take),
		cmocka_unit_test(test_parse_service_reply),
		cmocka_unit_test(test_parse_fwmark_and_ipv6_replies),
		cmocka_unit_test(test_parse_dest_reply),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_open_without_ipvs_names_the_fix),
		cmocka_unit_test(test_errors_read_like_ipvsadm),
		cmocka_unit_test(test_model_constants_are_the_kernels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
