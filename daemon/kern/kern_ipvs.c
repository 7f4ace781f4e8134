/*
 * kern_ipvs.c - see kern_ipvs.h.
 *
 * The messages follow the kernel's side of the interface
 * (net/netfilter/ipvs/ip_vs_ctl.c: ip_vs_genl_parse_service,
 * ip_vs_genl_parse_dest, ip_vs_genl_fill_service, ip_vs_genl_fill_dest):
 *
 * - the family's header is empty (hdrsize 0), version IPVS_GENL_VERSION;
 * - a service is identified by AF plus FWMARK, or by AF plus PROTOCOL,
 *   ADDR and PORT; add and edit also need SCHED_NAME, FLAGS, TIMEOUT and
 *   NETMASK, all four, or the kernel answers EINVAL;
 * - ADDR is a binary of sizeof(union nf_inet_addr) = 16 bytes, an IPv4
 *   address in its first 4 and zeros after (what the kernel sends back);
 * - PORT is a u16 holding the port in network byte order (nla_get_be16);
 * - FLAGS is a struct ip_vs_flags { flags, mask }: the kernel keeps the
 *   bits outside mask, so mask ~0 sets all of them, as ipvsadm does;
 * - NETMASK is read with nla_get_be32: an IPv4 mask in network byte order,
 *   but for IPv6 a prefix length in host order that must be 1..128 even
 *   for a service without persistence;
 * - a destination is identified by ADDR and PORT (ADDR_FAMILY for a
 *   destination whose family differs from the service's, kernel >= 3.18);
 *   add and edit also need FWD_METHOD, WEIGHT, U_THRESH and L_THRESH.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "kern/kern_ipvs.h"

/* The model's flags are the kernel's bits (lb_model.h promises it). */
_Static_assert(LB_SVC_F_PERSISTENT == IP_VS_SVC_F_PERSISTENT, "LB_SVC_F_PERSISTENT");
_Static_assert(LB_SVC_F_ONEPACKET == IP_VS_SVC_F_ONEPACKET, "LB_SVC_F_ONEPACKET");
_Static_assert(LB_SVC_F_SCHED1 == IP_VS_SVC_F_SCHED1, "LB_SVC_F_SCHED1");
_Static_assert(LB_SVC_F_SCHED2 == IP_VS_SVC_F_SCHED2, "LB_SVC_F_SCHED2");
_Static_assert(LB_SVC_F_SCHED3 == IP_VS_SVC_F_SCHED3, "LB_SVC_F_SCHED3");
_Static_assert(LB_SCHED_MAXLEN == IP_VS_SCHEDNAME_MAXLEN, "LB_SCHED_MAXLEN");

/* sizeof(union nf_inet_addr), which is kernel-only. */
#define IPVS_ADDR_LEN 16
/* How long a request may wait for the kernel's answer. */
#define IPVS_TIMEOUT_S 5

struct kern_ipvs {
	struct nl_sock *sk;
	int family;
	uint32_t version;
};

/* ---- building ---------------------------------------------------------- */

static bool af_ok(int af)
{
	return af == AF_INET || af == AF_INET6;
}

static void addr16(const struct vaddr *a, int af, unsigned char out[IPVS_ADDR_LEN])
{
	memset(out, 0, IPVS_ADDR_LEN);
	memcpy(out, &a->u, af == AF_INET6 ? sizeof(a->u.v6) : sizeof(a->u.v4));
}

/* IPVS_SVC_ATTR_NETMASK's value (see the top of the file). */
static uint32_t svc_netmask(int af, int prefix)
{
	int host = af == AF_INET6 ? 128 : 32;

	if (prefix <= 0 || prefix > host)
		prefix = host;
	if (af == AF_INET6)
		return (uint32_t)prefix;
	return htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix));
}

static int fwd_to_kernel(enum lb_fwd f, uint32_t *out)
{
	switch (f) {
	case LB_FWD_NAT: *out = IP_VS_CONN_F_MASQ; return 0;
	case LB_FWD_DR: *out = IP_VS_CONN_F_DROUTE; return 0;
	case LB_FWD_TUN: *out = IP_VS_CONN_F_TUNNEL; return 0;
	case LB_FWD_OTHER: break;
	}
	return -EINVAL;
}

static enum lb_fwd fwd_from_kernel(uint32_t f)
{
	switch (f & IP_VS_CONN_F_FWD_MASK) {
	case IP_VS_CONN_F_MASQ: return LB_FWD_NAT;
	case IP_VS_CONN_F_DROUTE: return LB_FWD_DR;
	case IP_VS_CONN_F_TUNNEL: return LB_FWD_TUN;
	}
	return LB_FWD_OTHER;
}

static int put_header(struct nl_msg *msg, int family, int flags, uint8_t cmd)
{
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd, IPVS_GENL_VERSION))
		return -EMSGSIZE;
	return 0;
}

static int check_svc_key(const struct lb_svc_key *k)
{
	if (!af_ok(k->af))
		return -EINVAL;
	if (!k->fwmark && (k->addr.family != k->af ||
			   (k->proto != LB_PROTO_TCP && k->proto != LB_PROTO_UDP && k->proto != LB_PROTO_SCTP)))
		return -EINVAL;
	return 0;
}

/* The IPVS_CMD_ATTR_SERVICE nest: identity, and with c the settings. */
static int put_service(struct nl_msg *msg, const struct lb_svc_key *k, const struct lb_svc_conf *c)
{
	struct nlattr *nest;
	unsigned char a[IPVS_ADDR_LEN];
	int err = 0;

	if (check_svc_key(k) < 0)
		return -EINVAL;
	if (c && (c->sched[0] == '\0' || strnlen(c->sched, sizeof(c->sched)) >= sizeof(c->sched)))
		return -EINVAL;
	nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);
	if (!nest)
		return -EMSGSIZE;
	err |= nla_put_u16(msg, IPVS_SVC_ATTR_AF, (uint16_t)k->af);
	if (k->fwmark) {
		err |= nla_put_u32(msg, IPVS_SVC_ATTR_FWMARK, k->fwmark);
	} else {
		addr16(&k->addr, k->af, a);
		err |= nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, (uint16_t)k->proto);
		err |= nla_put(msg, IPVS_SVC_ATTR_ADDR, IPVS_ADDR_LEN, a);
		err |= nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(k->port));
	}
	if (c) {
		struct ip_vs_flags fl = { .flags = c->flags & LB_SVC_F_ALL, .mask = ~0u };

		err |= nla_put_string(msg, IPVS_SVC_ATTR_SCHED_NAME, c->sched);
		err |= nla_put(msg, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl);
		err |= nla_put_u32(msg, IPVS_SVC_ATTR_TIMEOUT, c->timeout);
		err |= nla_put_u32(msg, IPVS_SVC_ATTR_NETMASK, svc_netmask(k->af, c->persist_prefix));
	}
	if (err)
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* The IPVS_CMD_ATTR_DEST nest: identity, and with c the settings. */
static int put_dest(struct nl_msg *msg, const struct lb_dest_key *d, const struct lb_dest_conf *c)
{
	struct nlattr *nest;
	unsigned char a[IPVS_ADDR_LEN];
	uint32_t fwd = 0;
	int err = 0;

	if (!af_ok(d->addr.family))
		return -EINVAL;
	if (c && (fwd_to_kernel(c->fwd, &fwd) < 0 || c->weight < 0))
		return -EINVAL;
	nest = nla_nest_start(msg, IPVS_CMD_ATTR_DEST);
	if (!nest)
		return -EMSGSIZE;
	addr16(&d->addr, d->addr.family, a);
	err |= nla_put(msg, IPVS_DEST_ATTR_ADDR, IPVS_ADDR_LEN, a);
	err |= nla_put_u16(msg, IPVS_DEST_ATTR_PORT, htons(d->port));
	err |= nla_put_u16(msg, IPVS_DEST_ATTR_ADDR_FAMILY, (uint16_t)d->addr.family);
	if (c) {
		err |= nla_put_u32(msg, IPVS_DEST_ATTR_FWD_METHOD, fwd);
		err |= nla_put_u32(msg, IPVS_DEST_ATTR_WEIGHT, (uint32_t)c->weight);
		err |= nla_put_u32(msg, IPVS_DEST_ATTR_U_THRESH, c->u_thresh);
		err |= nla_put_u32(msg, IPVS_DEST_ATTR_L_THRESH, c->l_thresh);
	}
	if (err)
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int kern_ipvs_build_service(struct nl_msg *msg, int family, uint8_t cmd,
			    const struct lb_svc_key *k, const struct lb_svc_conf *c)
{
	int err;

	if (cmd == IPVS_CMD_DEL_SERVICE)
		c = NULL;
	else if ((cmd != IPVS_CMD_NEW_SERVICE && cmd != IPVS_CMD_SET_SERVICE) || !c)
		return -EINVAL;
	err = put_header(msg, family, NLM_F_ACK, cmd);
	return err ? err : put_service(msg, k, c);
}

int kern_ipvs_build_dest(struct nl_msg *msg, int family, uint8_t cmd, const struct lb_svc_key *k,
			 const struct lb_dest_key *d, const struct lb_dest_conf *c)
{
	int err;

	if (cmd == IPVS_CMD_DEL_DEST)
		c = NULL;
	else if ((cmd != IPVS_CMD_NEW_DEST && cmd != IPVS_CMD_SET_DEST) || !c)
		return -EINVAL;
	err = put_header(msg, family, NLM_F_ACK, cmd);
	if (!err)
		err = put_service(msg, k, NULL);
	return err ? err : put_dest(msg, d, c);
}

int kern_ipvs_build_op(struct nl_msg *msg, int family, const struct lb_op *op)
{
	switch (op->kind) {
	case LB_OP_ADD_SVC:
		return kern_ipvs_build_service(msg, family, IPVS_CMD_NEW_SERVICE, &op->svc, &op->svc_conf);
	case LB_OP_EDIT_SVC:
		return kern_ipvs_build_service(msg, family, IPVS_CMD_SET_SERVICE, &op->svc, &op->svc_conf);
	case LB_OP_DEL_SVC:
		return kern_ipvs_build_service(msg, family, IPVS_CMD_DEL_SERVICE, &op->svc, NULL);
	case LB_OP_ADD_DEST:
		return kern_ipvs_build_dest(msg, family, IPVS_CMD_NEW_DEST, &op->svc, &op->dest, &op->dest_conf);
	case LB_OP_EDIT_DEST:
		return kern_ipvs_build_dest(msg, family, IPVS_CMD_SET_DEST, &op->svc, &op->dest, &op->dest_conf);
	case LB_OP_DEL_DEST:
		return kern_ipvs_build_dest(msg, family, IPVS_CMD_DEL_DEST, &op->svc, &op->dest, NULL);
	}
	return -EINVAL;
}

int kern_ipvs_build_list_services(struct nl_msg *msg, int family)
{
	return put_header(msg, family, NLM_F_DUMP, IPVS_CMD_GET_SERVICE);
}

int kern_ipvs_build_list_dests(struct nl_msg *msg, int family, const struct lb_svc_key *k)
{
	int err = put_header(msg, family, NLM_F_DUMP, IPVS_CMD_GET_DEST);

	return err ? err : put_service(msg, k, NULL);
}

int kern_ipvs_build_get_info(struct nl_msg *msg, int family)
{
	return put_header(msg, family, NLM_F_ACK, IPVS_CMD_GET_INFO);
}

/* ---- parsing ----------------------------------------------------------- */

static const struct nla_policy cmd_policy[IPVS_CMD_ATTR_MAX + 1] = {
	[IPVS_CMD_ATTR_SERVICE] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_DEST] = { .type = NLA_NESTED },
};

static const struct nla_policy svc_policy[IPVS_SVC_ATTR_MAX + 1] = {
	[IPVS_SVC_ATTR_AF] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_PROTOCOL] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_ADDR] = { .minlen = sizeof(struct in_addr) },
	[IPVS_SVC_ATTR_PORT] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_FWMARK] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_SCHED_NAME] = { .type = NLA_STRING },
	[IPVS_SVC_ATTR_FLAGS] = { .minlen = sizeof(struct ip_vs_flags) },
	[IPVS_SVC_ATTR_TIMEOUT] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_NETMASK] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_STATS] = { .type = NLA_NESTED },
	[IPVS_SVC_ATTR_STATS64] = { .type = NLA_NESTED },
};

static const struct nla_policy dest_policy[IPVS_DEST_ATTR_MAX + 1] = {
	[IPVS_DEST_ATTR_ADDR] = { .minlen = sizeof(struct in_addr) },
	[IPVS_DEST_ATTR_PORT] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_FWD_METHOD] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_WEIGHT] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_U_THRESH] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_L_THRESH] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_ACTIVE_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_INACT_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_PERSIST_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_STATS] = { .type = NLA_NESTED },
	[IPVS_DEST_ATTR_ADDR_FAMILY] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_STATS64] = { .type = NLA_NESTED },
};

static const struct nla_policy info_policy[IPVS_INFO_ATTR_MAX + 1] = {
	[IPVS_INFO_ATTR_VERSION] = { .type = NLA_U32 },
	[IPVS_INFO_ATTR_CONN_TAB_SIZE] = { .type = NLA_U32 },
};

/* A counter as the kernel sent it: u32 or u64 by the attribute's size
 * (IPVS_*_ATTR_STATS mixes both, STATS64 is all u64). */
static uint64_t get_counter(const struct nlattr *a)
{
	uint64_t v64;
	uint32_t v32;

	if (nla_len(a) >= (int)sizeof(v64)) {
		memcpy(&v64, nla_data(a), sizeof(v64));
		return v64;
	}
	if (nla_len(a) >= (int)sizeof(v32)) {
		memcpy(&v32, nla_data(a), sizeof(v32));
		return v32;
	}
	return 0;
}

static void parse_stats(struct nlattr *s64, struct nlattr *s32, struct lb_stats *st)
{
	struct nlattr *a[IPVS_STATS_ATTR_MAX + 1];
	struct nlattr *nest = s64 ? s64 : s32;

	memset(st, 0, sizeof(*st));
	if (!nest || nla_parse_nested(a, IPVS_STATS_ATTR_MAX, nest, NULL) < 0)
		return;
#define STAT(attr, field) if (a[attr]) st->field = get_counter(a[attr])
	STAT(IPVS_STATS_ATTR_CONNS, conns);
	STAT(IPVS_STATS_ATTR_INPKTS, inpkts);
	STAT(IPVS_STATS_ATTR_OUTPKTS, outpkts);
	STAT(IPVS_STATS_ATTR_INBYTES, inbytes);
	STAT(IPVS_STATS_ATTR_OUTBYTES, outbytes);
	STAT(IPVS_STATS_ATTR_CPS, cps);
	STAT(IPVS_STATS_ATTR_INPPS, inpps);
	STAT(IPVS_STATS_ATTR_OUTPPS, outpps);
	STAT(IPVS_STATS_ATTR_INBPS, inbps);
	STAT(IPVS_STATS_ATTR_OUTBPS, outbps);
#undef STAT
}

static int get_addr(const struct nlattr *a, int af, struct vaddr *out)
{
	size_t len = af == AF_INET6 ? sizeof(out->u.v6) : sizeof(out->u.v4);

	memset(out, 0, sizeof(*out));
	if (!af_ok(af) || nla_len(a) < (int)len)
		return -EINVAL;
	out->family = af;
	memcpy(&out->u, nla_data(a), len);
	return 0;
}

/* The prefix length of a kernel netmask; -1 for an IPv4 mask with holes. */
static int netmask_prefix(int af, uint32_t netmask)
{
	uint32_t m;
	int p = 0;

	if (af == AF_INET6)
		return (int)netmask;
	m = ntohl(netmask);
	while (p < 32 && (m & (0x80000000u >> p)))
		p++;
	return (p < 32 && (m << p)) ? -1 : p;
}

static struct nlattr *cmd_attr(struct nl_msg *msg, int which)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, IPVS_CMD_ATTR_MAX, cmd_policy) < 0)
		return NULL;
	return tb[which];
}

int kern_ipvs_parse_service(struct nl_msg *msg, struct lb_kservice *out)
{
	struct nlattr *nest = cmd_attr(msg, IPVS_CMD_ATTR_SERVICE);
	struct nlattr *a[IPVS_SVC_ATTR_MAX + 1];
	struct lb_svc_key *k = &out->key;
	struct lb_svc_conf *c = &out->conf;

	memset(out, 0, sizeof(*out));
	if (!nest || nla_parse_nested(a, IPVS_SVC_ATTR_MAX, nest, svc_policy) < 0 || !a[IPVS_SVC_ATTR_AF])
		return -EINVAL;
	k->af = nla_get_u16(a[IPVS_SVC_ATTR_AF]);
	if (!af_ok(k->af))
		return -EINVAL;
	if (a[IPVS_SVC_ATTR_FWMARK] && nla_get_u32(a[IPVS_SVC_ATTR_FWMARK])) {
		k->fwmark = nla_get_u32(a[IPVS_SVC_ATTR_FWMARK]);
		k->proto = LB_PROTO_TCP;       /* what the kernel records */
	} else {
		if (!a[IPVS_SVC_ATTR_PROTOCOL] || !a[IPVS_SVC_ATTR_ADDR] || !a[IPVS_SVC_ATTR_PORT] ||
		    get_addr(a[IPVS_SVC_ATTR_ADDR], k->af, &k->addr) < 0)
			return -EINVAL;
		k->proto = (enum lb_proto)nla_get_u16(a[IPVS_SVC_ATTR_PROTOCOL]);
		k->port = ntohs(nla_get_u16(a[IPVS_SVC_ATTR_PORT]));
	}
	if (a[IPVS_SVC_ATTR_SCHED_NAME])
		snprintf(c->sched, sizeof(c->sched), "%s", nla_get_string(a[IPVS_SVC_ATTR_SCHED_NAME]));
	if (a[IPVS_SVC_ATTR_FLAGS]) {
		struct ip_vs_flags fl;

		memcpy(&fl, nla_data(a[IPVS_SVC_ATTR_FLAGS]), sizeof(fl));
		/* HASHED is the kernel's bookkeeping, not a setting. */
		c->flags = fl.flags & ~(uint32_t)IP_VS_SVC_F_HASHED;
	}
	if (a[IPVS_SVC_ATTR_TIMEOUT])
		c->timeout = nla_get_u32(a[IPVS_SVC_ATTR_TIMEOUT]);
	c->persist_prefix = a[IPVS_SVC_ATTR_NETMASK] ?
		netmask_prefix(k->af, nla_get_u32(a[IPVS_SVC_ATTR_NETMASK])) : (k->af == AF_INET6 ? 128 : 32);
	parse_stats(a[IPVS_SVC_ATTR_STATS64], a[IPVS_SVC_ATTR_STATS], &out->stats);
	return 0;
}

int kern_ipvs_parse_dest(struct nl_msg *msg, int svc_af, struct lb_kdest *out)
{
	struct nlattr *nest = cmd_attr(msg, IPVS_CMD_ATTR_DEST);
	struct nlattr *a[IPVS_DEST_ATTR_MAX + 1];
	int af = svc_af;

	memset(out, 0, sizeof(*out));
	if (!nest || nla_parse_nested(a, IPVS_DEST_ATTR_MAX, nest, dest_policy) < 0 ||
	    !a[IPVS_DEST_ATTR_ADDR] || !a[IPVS_DEST_ATTR_PORT])
		return -EINVAL;
	if (a[IPVS_DEST_ATTR_ADDR_FAMILY])
		af = nla_get_u16(a[IPVS_DEST_ATTR_ADDR_FAMILY]);
	if (get_addr(a[IPVS_DEST_ATTR_ADDR], af, &out->key.addr) < 0)
		return -EINVAL;
	out->key.port = ntohs(nla_get_u16(a[IPVS_DEST_ATTR_PORT]));
	out->conf.fwd = a[IPVS_DEST_ATTR_FWD_METHOD] ?
		fwd_from_kernel(nla_get_u32(a[IPVS_DEST_ATTR_FWD_METHOD])) : LB_FWD_OTHER;
#define U32(attr) (a[attr] ? nla_get_u32(a[attr]) : 0)
	out->conf.weight = (int)U32(IPVS_DEST_ATTR_WEIGHT);
	out->conf.u_thresh = U32(IPVS_DEST_ATTR_U_THRESH);
	out->conf.l_thresh = U32(IPVS_DEST_ATTR_L_THRESH);
	out->active_conns = U32(IPVS_DEST_ATTR_ACTIVE_CONNS);
	out->inact_conns = U32(IPVS_DEST_ATTR_INACT_CONNS);
	out->persist_conns = U32(IPVS_DEST_ATTR_PERSIST_CONNS);
#undef U32
	parse_stats(a[IPVS_DEST_ATTR_STATS64], a[IPVS_DEST_ATTR_STATS], &out->stats);
	return 0;
}

/* ---- one request, its replies and its ack ------------------------------ */

#define PENDING 1

struct transaction {
	uint32_t seq;
	int err;                         /* PENDING, 0, or -errno from the kernel */
	int reply_err;                   /* first failure of on_reply */
	int (*on_reply)(struct nl_msg *msg, void *arg);
	void *arg;
};

/* Only answers to our request: a late message of an earlier one (an
 * interrupted dump) is skipped instead of being taken for this answer. */
static int cb_seq(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == t->seq ? NL_OK : NL_SKIP;
}

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;
	int err;

	if (t->on_reply) {
		err = t->on_reply(msg, t->arg);
		if (err && !t->reply_err)
			t->reply_err = err;
	}
	return NL_OK;
}

static int cb_ack(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	t->err = 0;
	return NL_STOP;
}

static int cb_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct transaction *t = arg;

	t->err = e->error < 0 ? e->error : -EPROTO;
	return NL_STOP;
}

static int nl_to_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_NOMEM: return -ENOMEM;
	case NLE_AGAIN: return -ETIMEDOUT;
	case NLE_PERM:
	case NLE_NOACCESS: return -EPERM;
	case NLE_MSGSIZE: return -EMSGSIZE;
	}
	return -EIO;
}

/* Send msg and read until its ack (or the end of its dump, or an error). */
static int transact(struct kern_ipvs *ipvs, struct nl_msg *msg,
		    int (*on_reply)(struct nl_msg *, void *), void *arg)
{
	struct transaction t = { .err = PENDING, .on_reply = on_reply, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int n;

	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, cb_seq, &t);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_ack, &t);
	nl_cb_err(cb, NL_CB_CUSTOM, cb_error, &t);

	n = nl_send_auto(ipvs->sk, msg);
	if (n < 0) {
		t.err = nl_to_errno(n);
	} else {
		t.seq = nlmsg_hdr(msg)->nlmsg_seq;
		while (t.err == PENDING) {
			n = nl_recvmsgs_report(ipvs->sk, cb);
			if (t.err != PENDING)
				break;
			/* Nothing read: SO_RCVTIMEO ran out. */
			if (n == 0)
				t.err = -ETIMEDOUT;
			else if (n < 0)
				t.err = nl_to_errno(n);
		}
	}
	nl_cb_put(cb);
	return t.err ? t.err : t.reply_err;
}

static int request_op(struct kern_ipvs *ipvs, const struct lb_op *op)
{
	struct nl_msg *msg = nlmsg_alloc();
	int err;

	if (!msg)
		return -ENOMEM;
	err = kern_ipvs_build_op(msg, ipvs->family, op);
	if (!err)
		err = transact(ipvs, msg, NULL, NULL);
	nlmsg_free(msg);
	return err;
}

/* ---- the public requests ----------------------------------------------- */

int kern_ipvs_do(struct kern_ipvs *ipvs, const struct lb_op *op)
{
	return request_op(ipvs, op);
}

int kern_ipvs_add_service(struct kern_ipvs *ipvs, const struct lb_svc_key *k, const struct lb_svc_conf *c)
{
	struct lb_op op = { .kind = LB_OP_ADD_SVC, .svc = *k, .svc_conf = *c };

	return request_op(ipvs, &op);
}

int kern_ipvs_edit_service(struct kern_ipvs *ipvs, const struct lb_svc_key *k, const struct lb_svc_conf *c)
{
	struct lb_op op = { .kind = LB_OP_EDIT_SVC, .svc = *k, .svc_conf = *c };

	return request_op(ipvs, &op);
}

int kern_ipvs_del_service(struct kern_ipvs *ipvs, const struct lb_svc_key *k)
{
	struct lb_op op = { .kind = LB_OP_DEL_SVC, .svc = *k };

	return request_op(ipvs, &op);
}

int kern_ipvs_add_dest(struct kern_ipvs *ipvs, const struct lb_svc_key *k,
		       const struct lb_dest_key *d, const struct lb_dest_conf *c)
{
	struct lb_op op = { .kind = LB_OP_ADD_DEST, .svc = *k, .dest = *d, .dest_conf = *c };

	return request_op(ipvs, &op);
}

int kern_ipvs_edit_dest(struct kern_ipvs *ipvs, const struct lb_svc_key *k,
			const struct lb_dest_key *d, const struct lb_dest_conf *c)
{
	struct lb_op op = { .kind = LB_OP_EDIT_DEST, .svc = *k, .dest = *d, .dest_conf = *c };

	return request_op(ipvs, &op);
}

int kern_ipvs_del_dest(struct kern_ipvs *ipvs, const struct lb_svc_key *k, const struct lb_dest_key *d)
{
	struct lb_op op = { .kind = LB_OP_DEL_DEST, .svc = *k, .dest = *d };

	return request_op(ipvs, &op);
}

const char *kern_ipvs_strerror(enum lb_op_kind kind, int err)
{
	bool svc = kind == LB_OP_ADD_SVC || kind == LB_OP_EDIT_SVC || kind == LB_OP_DEL_SVC;

	switch (-err) {
	case 0:
		return "success";
	case EEXIST:
		return svc ? "service already exists" : "destination already exists";
	case ESRCH:
		return svc ? "no such service" : "service not defined";
	case ENOENT:
		if (svc)
			return "scheduler not found (is its module, ip_vs_<name>, available?)";
		return "no such destination";
	case ERANGE:
		return "weight below zero, or lower threshold above upper threshold";
	case EPERM:
		return "permission denied (needs CAP_NET_ADMIN)";
	case EINVAL:
		return "invalid argument (address not unicast, bad persistence granularity, "
		       "or mixed address families outside tunnelling)";
	case EAFNOSUPPORT:
		return "address family not supported by IPVS in this kernel";
	case ENOMEM:
		return "out of memory";
	case ETIMEDOUT:
		return "no answer from the kernel";
	}
	return strerror(-err);
}

int kern_ipvs_apply(struct kern_ipvs *ipvs, const struct lb_op *ops, size_t n,
		    size_t *done, char err[KERN_IPVS_ERRLEN])
{
	char what[LB_OP_STRLEN];
	size_t i;
	int e;

	err[0] = '\0';
	for (i = 0; i < n; i++) {
		e = request_op(ipvs, &ops[i]);
		if (e < 0) {
			*done = i;
			snprintf(err, KERN_IPVS_ERRLEN, "%s: %s", lb_op_str(&ops[i], what),
				 kern_ipvs_strerror(ops[i].kind, e));
			return e;
		}
	}
	*done = n;
	return 0;
}

/* ---- listing ----------------------------------------------------------- */

struct svc_list {
	struct lb_kservice *v;
	size_t n, cap;
};

static int on_service(struct nl_msg *msg, void *arg)
{
	struct svc_list *l = arg;
	struct lb_kservice s;

	if (kern_ipvs_parse_service(msg, &s) < 0)
		return -EPROTO;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct lb_kservice *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	return 0;
}

struct dest_list {
	int svc_af;
	struct lb_kdest *v;
	size_t n, cap;
};

static int on_dest(struct nl_msg *msg, void *arg)
{
	struct dest_list *l = arg;
	struct lb_kdest d;

	if (kern_ipvs_parse_dest(msg, l->svc_af, &d) < 0)
		return -EPROTO;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct lb_kdest *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = d;
	return 0;
}

static int list_dests(struct kern_ipvs *ipvs, struct lb_kservice *s)
{
	struct dest_list l = { .svc_af = s->key.af };
	struct nl_msg *msg = nlmsg_alloc();
	int err;

	if (!msg)
		return -ENOMEM;
	err = kern_ipvs_build_list_dests(msg, ipvs->family, &s->key);
	if (!err)
		err = transact(ipvs, msg, on_dest, &l);
	nlmsg_free(msg);
	if (err) {
		free(l.v);
		return err;
	}
	s->dests = l.v;
	s->n_dests = l.n;
	return 0;
}

int kern_ipvs_list(struct kern_ipvs *ipvs, struct lb_kernel *out)
{
	struct svc_list l = { 0 };
	struct nl_msg *msg = nlmsg_alloc();
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	if (!msg)
		return -ENOMEM;
	err = kern_ipvs_build_list_services(msg, ipvs->family);
	if (!err)
		err = transact(ipvs, msg, on_service, &l);
	nlmsg_free(msg);
	out->svcs = l.v;
	out->n_svcs = l.n;
	/* A service removed between the two dumps just lists no destination
	 * (the kernel ends the dump empty when it cannot find the service). */
	for (i = 0; !err && i < out->n_svcs; i++)
		err = list_dests(ipvs, &out->svcs[i]);
	if (err)
		kern_ipvs_list_free(out);
	return err;
}

void kern_ipvs_list_free(struct lb_kernel *k)
{
	size_t i;

	for (i = 0; i < k->n_svcs; i++)
		free(k->svcs[i].dests);
	free(k->svcs);
	memset(k, 0, sizeof(*k));
}

/* ---- open / close ------------------------------------------------------ */

static int on_info(struct nl_msg *msg, void *arg)
{
	struct nlattr *a[IPVS_INFO_ATTR_MAX + 1];
	uint32_t *version = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, a, IPVS_INFO_ATTR_MAX, info_policy) < 0)
		return 0;
	if (a[IPVS_INFO_ATTR_VERSION])
		*version = nla_get_u32(a[IPVS_INFO_ATTR_VERSION]);
	return 0;
}

static int get_info(struct kern_ipvs *ipvs)
{
	struct nl_msg *msg = nlmsg_alloc();
	int err;

	if (!msg)
		return -ENOMEM;
	err = kern_ipvs_build_get_info(msg, ipvs->family);
	if (!err)
		err = transact(ipvs, msg, on_info, &ipvs->version);
	nlmsg_free(msg);
	return err;
}

struct kern_ipvs *kern_ipvs_open(char err[KERN_IPVS_ERRLEN])
{
	struct kern_ipvs *ipvs = calloc(1, sizeof(*ipvs));
	struct timeval tv = { .tv_sec = IPVS_TIMEOUT_S };
	int e;

	err[0] = '\0';
	if (!ipvs || !(ipvs->sk = nl_socket_alloc())) {
		snprintf(err, KERN_IPVS_ERRLEN, "IPVS: out of memory");
		goto fail;
	}
	e = genl_connect(ipvs->sk);
	if (e < 0) {
		snprintf(err, KERN_IPVS_ERRLEN, "IPVS: cannot open a generic netlink socket: %s",
			 nl_geterror(e));
		goto fail;
	}
	/* Dumps end without an ack, so acks are asked for per message. */
	nl_socket_disable_auto_ack(ipvs->sk);
	setsockopt(nl_socket_get_fd(ipvs->sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ipvs->family = genl_ctrl_resolve(ipvs->sk, IPVS_GENL_NAME);
	if (ipvs->family < 0) {
		snprintf(err, KERN_IPVS_ERRLEN,
			 "IPVS is not available in this kernel (no generic netlink family \"%s\": %s); "
			 "load the ip_vs module: modprobe ip_vs",
			 IPVS_GENL_NAME, nl_geterror(ipvs->family));
		goto fail;
	}
	/* Every IPVS command needs CAP_NET_ADMIN: find out now, not at the
	 * first health change. */
	e = get_info(ipvs);
	if (e < 0) {
		if (e == -EPERM)
			snprintf(err, KERN_IPVS_ERRLEN,
				 "IPVS: permission denied; the check process needs CAP_NET_ADMIN (run vigild as root)");
		else
			snprintf(err, KERN_IPVS_ERRLEN, "IPVS: cannot read its version: %s", strerror(-e));
		goto fail;
	}
	return ipvs;
fail:
	kern_ipvs_close(ipvs);
	return NULL;
}

void kern_ipvs_close(struct kern_ipvs *ipvs)
{
	if (!ipvs)
		return;
	if (ipvs->sk)
		nl_socket_free(ipvs->sk);
	free(ipvs);
}

uint32_t kern_ipvs_version(const struct kern_ipvs *ipvs)
{
	return ipvs ? ipvs->version : 0;
}
