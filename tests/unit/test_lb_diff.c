/*
 * test_lb_diff.c - the reconcile between what vigil wants in IPVS and what
 * the kernel holds: one table row per kind of change, each with the exact
 * operations expected (as the log line lb_op_str prints), then the weight
 * folding, the ownership record, and a randomized run against a fake
 * kernel that must converge and never touch what vigil did not create.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lb/lb_diff.h"

/* ---- fixtures ---------------------------------------------------------- */

#define V4(a, b, c, d) { .family = AF_INET, .u = { .v6 = { .s6_addr = { a, b, c, d } } } }
#define V6(x) { .family = AF_INET6, .u = { .v6 = { .s6_addr = \
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, x } } } }

#define SKEY(pr, a, p) { .af = AF_INET, .proto = (pr), .addr = a, .port = (p) }
#define VS1 SKEY(LB_PROTO_TCP, V4(192, 0, 2, 1), 80)
#define VS1_UDP SKEY(LB_PROTO_UDP, V4(192, 0, 2, 1), 80)
#define VS2 SKEY(LB_PROTO_TCP, V4(192, 0, 2, 2), 443)
#define VS3 SKEY(LB_PROTO_UDP, V4(192, 0, 2, 3), 53)
#define VS6 { .af = AF_INET6, .proto = LB_PROTO_TCP, .addr = V6(1), .port = 80 }
#define FWM7 { .af = AF_INET, .fwmark = 7 }

#define DKEY(a, p) { .addr = a, .port = (p) }
#define RS1 DKEY(V4(192, 0, 2, 11), 80)
#define RS2 DKEY(V4(192, 0, 2, 12), 80)
#define RS3 DKEY(V4(192, 0, 2, 13), 80)
#define RS4 DKEY(V4(192, 0, 2, 14), 80)
#define RS1_53 DKEY(V4(192, 0, 2, 11), 53)
#define RS6 DKEY(V6(0x11), 80)

/* A conf as the config gives it, and as the kernel reports what vigil set. */
#define CONF(s) { .sched = s }
#define PCONF(s, t, p) { .sched = s, .flags = LB_SVC_F_PERSISTENT, .timeout = (t), .persist_prefix = (p) }
#define KCONF(s) { .sched = s, .persist_prefix = 32 }
#define KCONF6(s) { .sched = s, .persist_prefix = 128 }

/* lb_dest and lb_kdest both start with key and conf. */
#define D(k, f, w) { .key = k, .conf = { .fwd = (f), .weight = (w) } }
#define DT(k, f, w, u, l) { .key = k, .conf = { .fwd = (f), .weight = (w), .u_thresh = (u), .l_thresh = (l) } }

#define COUNT(T, ...) (sizeof((T[]){ __VA_ARGS__ }) / sizeof(T))
#define DESTS(...) .dests = (struct lb_dest[]){ __VA_ARGS__ }, .n_dests = COUNT(struct lb_dest, __VA_ARGS__)
#define KDESTS(...) .dests = (struct lb_kdest[]){ __VA_ARGS__ }, .n_dests = COUNT(struct lb_kdest, __VA_ARGS__)
#define WANT(...) .want = { .svcs = (struct lb_service[]){ __VA_ARGS__ }, \
			    .n_svcs = COUNT(struct lb_service, __VA_ARGS__) }
#define HAVE(...) .have = { .svcs = (struct lb_kservice[]){ __VA_ARGS__ }, \
			    .n_svcs = COUNT(struct lb_kservice, __VA_ARGS__) }
#define OWN_SVCS(...) .own_svcs = (struct lb_svc_key[]){ __VA_ARGS__ }, \
			.n_own_svcs = COUNT(struct lb_svc_key, __VA_ARGS__)
#define OWN_DESTS(...) .own_dests = (struct lb_owned_dest[]){ __VA_ARGS__ }, \
			 .n_own_dests = COUNT(struct lb_owned_dest, __VA_ARGS__)
#define OD(s, d) { .svc = s, .dest = d }

struct diff_case {
	const char *name;
	struct lb_model want;
	struct lb_kernel have;
	struct lb_svc_key *own_svcs;
	size_t n_own_svcs;
	struct lb_owned_dest *own_dests;
	size_t n_own_dests;
	const char *ops[10];             /* lb_op_str of each, in order */
	const char *conflicts[4];
};

/* ---- the table --------------------------------------------------------- */

static const struct diff_case cases[] = {
	{
		.name = "nothing to do",
		WANT({ .key = VS1, .conf = CONF("wlc"), DESTS(D(RS1, LB_FWD_NAT, 1), D(RS2, LB_FWD_NAT, 2)) }),
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1), D(RS2, LB_FWD_NAT, 2)) }),
		OWN_SVCS(VS1), OWN_DESTS(OD(VS1, RS1), OD(VS1, RS2)),
	},
	{
		.name = "new service: the service, then its destinations in order",
		WANT({ .key = VS1, .conf = CONF("rr"), DESTS(D(RS2, LB_FWD_NAT, 2), D(RS1, LB_FWD_NAT, 1)) }),
		.ops = {
			"add service TCP 192.0.2.1:80 (rr)",
			"add destination 192.0.2.12:80 to TCP 192.0.2.1:80 (NAT, weight 2)",
			"add destination 192.0.2.11:80 to TCP 192.0.2.1:80 (NAT, weight 1)",
		},
	},
	{
		.name = "removed service vigil created: deleted with its destinations",
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1), D(RS2, LB_FWD_NAT, 1)) }),
		OWN_SVCS(VS1), OWN_DESTS(OD(VS1, RS1), OD(VS1, RS2)),
		.ops = { "delete service TCP 192.0.2.1:80" },
	},
	{
		.name = "service vigil did not create: left alone",
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1)) },
		     { .key = FWM7, .conf = KCONF("rr") }),
	},
	{
		.name = "scheduler change: edit, not delete and add",
		WANT({ .key = VS1, .conf = CONF("wrr"), DESTS(D(RS1, LB_FWD_NAT, 1)) }),
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1)) }),
		OWN_SVCS(VS1), OWN_DESTS(OD(VS1, RS1)),
		.ops = { "edit service TCP 192.0.2.1:80 (wrr)" },
	},
	{
		.name = "persistence turned on: edit, granularity one client",
		WANT({ .key = VS1, .conf = PCONF("wlc", 300, 0) }),
		HAVE({ .key = VS1, .conf = KCONF("wlc") }),
		OWN_SVCS(VS1),
		.ops = { "edit service TCP 192.0.2.1:80 (wlc, persistent 300 s /32)" },
	},
	{
		.name = "persistence timeout change: edit",
		WANT({ .key = VS1, .conf = PCONF("wlc", 600, 24) }),
		HAVE({ .key = VS1, .conf = PCONF("wlc", 300, 24) }),
		OWN_SVCS(VS1),
		.ops = { "edit service TCP 192.0.2.1:80 (wlc, persistent 600 s /24)" },
	},
	{
		.name = "persistence granularity change: edit",
		WANT({ .key = VS1, .conf = PCONF("wlc", 300, 24) }),
		HAVE({ .key = VS1, .conf = PCONF("wlc", 300, 32) }),
		OWN_SVCS(VS1),
		.ops = { "edit service TCP 192.0.2.1:80 (wlc, persistent 300 s /24)" },
	},
	{
		.name = "persistence turned off: edit",
		WANT({ .key = VS1, .conf = CONF("wlc") }),
		HAVE({ .key = VS1, .conf = PCONF("wlc", 300, 24) }),
		OWN_SVCS(VS1),
		.ops = { "edit service TCP 192.0.2.1:80 (wlc)" },
	},
	{
		.name = "scheduler flags (sh-port) change: edit",
		WANT({ .key = VS1, .conf = { .sched = "sh", .flags = LB_SVC_F_SCHED2 } }),
		HAVE({ .key = VS1, .conf = KCONF("sh") }),
		OWN_SVCS(VS1),
		.ops = { "edit service TCP 192.0.2.1:80 (sh, flags 0x10)" },
	},
	{
		.name = "a timeout without persistence and an unnamed scheduler are no change",
		WANT({ .key = VS1, .conf = { .sched = "", .timeout = 300, .persist_prefix = 24 } }),
		HAVE({ .key = VS1, .conf = KCONF("wlc") }),
		OWN_SVCS(VS1),
	},
	{
		.name = "new destination: add",
		WANT({ .key = VS1, .conf = CONF("wlc"), DESTS(D(RS1, LB_FWD_NAT, 1), D(RS2, LB_FWD_NAT, 2)) }),
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1)) }),
		OWN_SVCS(VS1), OWN_DESTS(OD(VS1, RS1)),
		.ops = { "add destination 192.0.2.12:80 to TCP 192.0.2.1:80 (NAT, weight 2)" },
	},
	{
		.name = "removed destination vigil created: delete",
		WANT({ .key = VS1, .conf = CONF("wlc"), DESTS(D(RS1, LB_FWD_NAT, 1)) }),
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1), D(RS2, LB_FWD_NAT, 1)) }),
		OWN_SVCS(VS1), OWN_DESTS(OD(VS1, RS1), OD(VS1, RS2)),
		.ops = { "delete destination 192.0.2.12:80 from TCP 192.0.2.1:80" },
	},
	{
		.name = "weight change: edit, never delete and add",
		WANT({ .key = VS1, .conf = CONF("wlc"), DESTS(D(RS1, LB_FWD_NAT, 5)) }),
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1)) }),
		OWN_SVCS(VS1), OWN_DESTS(OD(VS1, RS1)),
		.ops = { "edit destination 192.0.2.11:80 in TCP 192.0.2.1:80 (NAT, weight 5)" },
	},
	{
		.name = "inhibit_on_failure or drain: weight 0 keeps the destination",
		WANT({ .key = VS1, .conf = CONF("wlc"), DESTS(D(RS1, LB_FWD_NAT, 0)) }),
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 3)) }),
		OWN_SVCS(VS1), OWN_DESTS(OD(VS1, RS1)),
		.ops = { "edit destination 192.0.2.11:80 in TCP 192.0.2.1:80 (NAT, weight 0)" },
	},
	{
		.name = "forwarding change NAT to DR: edit",
		WANT({ .key = VS1, .conf = CONF("wlc"), DESTS(D(RS1, LB_FWD_DR, 1)) }),
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1)) }),
		OWN_SVCS(VS1), OWN_DESTS(OD(VS1, RS1)),
		.ops = { "edit destination 192.0.2.11:80 in TCP 192.0.2.1:80 (DR, weight 1)" },
	},
	{
		.name = "forwarding change DR to TUN: edit",
		WANT({ .key = VS1, .conf = CONF("wlc"), DESTS(D(RS1, LB_FWD_TUN, 1)) }),
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_DR, 1)) }),
		OWN_SVCS(VS1), OWN_DESTS(OD(VS1, RS1)),
		.ops = { "edit destination 192.0.2.11:80 in TCP 192.0.2.1:80 (TUN, weight 1)" },
	},
	{
		.name = "thresholds change: edit",
		WANT({ .key = VS1, .conf = CONF("wlc"), DESTS(DT(RS1, LB_FWD_NAT, 1, 100, 10)) }),
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(DT(RS1, LB_FWD_NAT, 1, 100, 0)) }),
		OWN_SVCS(VS1), OWN_DESTS(OD(VS1, RS1)),
		.ops = { "edit destination 192.0.2.11:80 in TCP 192.0.2.1:80 (NAT, weight 1, thresholds 100/10)" },
	},
	{
		.name = "foreign destination in an owned service: left alone",
		WANT({ .key = VS1, .conf = CONF("wlc"), DESTS(D(RS1, LB_FWD_NAT, 1)) }),
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1), D(RS3, LB_FWD_NAT, 9)) }),
		OWN_SVCS(VS1), OWN_DESTS(OD(VS1, RS1)),
	},
	{
		.name = "wanted destination someone else created: conflict, left alone",
		WANT({ .key = VS1, .conf = CONF("wlc"), DESTS(D(RS1, LB_FWD_NAT, 1), D(RS3, LB_FWD_NAT, 4)) }),
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1), D(RS3, LB_FWD_NAT, 1)) }),
		OWN_SVCS(VS1), OWN_DESTS(OD(VS1, RS1)),
		.conflicts = { "destination 192.0.2.13:80 in TCP 192.0.2.1:80" },
	},
	{
		.name = "wanted service someone else created: conflict, nothing in it touched",
		WANT({ .key = VS1, .conf = CONF("rr"), DESTS(D(RS1, LB_FWD_NAT, 1)) }),
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS3, LB_FWD_NAT, 1)) }),
		.conflicts = { "service TCP 192.0.2.1:80" },
	},
	{
		.name = "same address and port, other protocol: another service",
		WANT({ .key = VS1_UDP, .conf = CONF("wlc") }),
		HAVE({ .key = VS1, .conf = KCONF("wlc") }),
		OWN_SVCS(VS1),
		.ops = { "delete service TCP 192.0.2.1:80", "add service UDP 192.0.2.1:80 (wlc)" },
	},
	{
		.name = "fwmark service: added with its destinations",
		WANT({ .key = FWM7, .conf = CONF("wlc"), DESTS(D(RS1, LB_FWD_DR, 1)) }),
		.ops = {
			"add service FWM 7 (wlc)",
			"add destination 192.0.2.11:80 to FWM 7 (DR, weight 1)",
		},
	},
	{
		.name = "fwmark service: weight change is an edit",
		WANT({ .key = FWM7, .conf = CONF("wlc"), DESTS(D(RS1, LB_FWD_DR, 3)) }),
		HAVE({ .key = FWM7, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_DR, 1)) }),
		OWN_SVCS(FWM7), OWN_DESTS(OD(FWM7, RS1)),
		.ops = { "edit destination 192.0.2.11:80 in FWM 7 (DR, weight 3)" },
	},
	{
		.name = "IPv6 service with persistence /64",
		WANT({ .key = VS6, .conf = PCONF("sh", 60, 64), DESTS(D(RS6, LB_FWD_NAT, 1)) }),
		.ops = {
			"add service TCP [2001:db8::1]:80 (sh, persistent 60 s /64)",
			"add destination [2001:db8::11]:80 to TCP [2001:db8::1]:80 (NAT, weight 1)",
		},
	},
	{
		.name = "IPv6 service as the kernel reports it (netmask 128): no change",
		WANT({ .key = VS6, .conf = CONF("wlc"), DESTS(D(RS6, LB_FWD_NAT, 1)) }),
		HAVE({ .key = VS6, .conf = KCONF6("wlc"), KDESTS(D(RS6, LB_FWD_NAT, 1)) }),
		OWN_SVCS(VS6), OWN_DESTS(OD(VS6, RS6)),
	},
	{
		.name = "several changes: deletes first, then each service with its destinations",
		WANT({ .key = VS1, .conf = CONF("wrr"),
		       DESTS(D(RS1, LB_FWD_NAT, 1), D(RS2, LB_FWD_NAT, 3), D(RS3, LB_FWD_NAT, 1)) },
		     { .key = VS3, .conf = CONF("wlc"), DESTS(D(RS1_53, LB_FWD_NAT, 1)) }),
		HAVE({ .key = FWM7, .conf = KCONF("rr"), KDESTS(D(RS1, LB_FWD_DR, 1)) },
		     { .key = VS2, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1)) },
		     { .key = VS1, .conf = KCONF("wlc"),
		       KDESTS(D(RS4, LB_FWD_NAT, 1), D(RS2, LB_FWD_NAT, 1), D(RS1, LB_FWD_NAT, 1)) }),
		OWN_SVCS(VS2, VS1),
		OWN_DESTS(OD(VS1, RS1), OD(VS1, RS2), OD(VS1, RS4), OD(VS2, RS1)),
		.ops = {
			"delete destination 192.0.2.14:80 from TCP 192.0.2.1:80",
			"delete service TCP 192.0.2.2:443",
			"edit service TCP 192.0.2.1:80 (wrr)",
			"edit destination 192.0.2.12:80 in TCP 192.0.2.1:80 (NAT, weight 3)",
			"add destination 192.0.2.13:80 to TCP 192.0.2.1:80 (NAT, weight 1)",
			"add service UDP 192.0.2.3:53 (wlc)",
			"add destination 192.0.2.11:53 to UDP 192.0.2.3:53 (NAT, weight 1)",
		},
	},
	{
		.name = "destination deletes are ordered by service, then destination",
		WANT({ .key = VS2, .conf = CONF("wlc") }, { .key = VS1, .conf = CONF("wlc") }),
		HAVE({ .key = VS2, .conf = KCONF("wlc"), KDESTS(D(RS2, LB_FWD_NAT, 1), D(RS1, LB_FWD_NAT, 1)) },
		     { .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS3, LB_FWD_NAT, 1)) }),
		OWN_SVCS(VS1, VS2), OWN_DESTS(OD(VS2, RS2), OD(VS2, RS1), OD(VS1, RS3)),
		.ops = {
			"delete destination 192.0.2.13:80 from TCP 192.0.2.1:80",
			"delete destination 192.0.2.11:80 from TCP 192.0.2.2:443",
			"delete destination 192.0.2.12:80 from TCP 192.0.2.2:443",
		},
	},
	{
		.name = "stop (nothing wanted): only what vigil created goes",
		HAVE({ .key = VS1, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1), D(RS3, LB_FWD_NAT, 1)) },
		     { .key = VS2, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1)) }),
		OWN_SVCS(VS1), OWN_DESTS(OD(VS1, RS1)),
		.ops = { "delete service TCP 192.0.2.1:80" },
	},
	{
		.name = "a destination vigil created in a foreign service goes when unwanted",
		HAVE({ .key = VS2, .conf = KCONF("wlc"), KDESTS(D(RS1, LB_FWD_NAT, 1), D(RS3, LB_FWD_NAT, 1)) }),
		OWN_DESTS(OD(VS2, RS1)),
		.ops = { "delete destination 192.0.2.11:80 from TCP 192.0.2.2:443" },
	},
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static void owned_of(const struct diff_case *c, struct lb_owned *o)
{
	memset(o, 0, sizeof(*o));
	o->svcs = c->own_svcs;
	o->n_svcs = c->n_own_svcs;
	o->dests = c->own_dests;
	o->n_dests = c->n_own_dests;
}

static void conflict_str(const struct lb_conflict *cf, char *buf, size_t len)
{
	char s[LB_KEY_STRLEN], d[LB_KEY_STRLEN];

	if (cf->is_dest)
		snprintf(buf, len, "destination %s in %s", lb_dest_key_str(&cf->dest, d), lb_svc_key_str(&cf->svc, s));
	else
		snprintf(buf, len, "service %s", lb_svc_key_str(&cf->svc, s));
}

static void check_result(const struct diff_case *c, const struct lb_ops *out)
{
	char buf[LB_OP_STRLEN];
	size_t i, n_ops = 0, n_conflicts = 0;

	while (n_ops < 10 && c->ops[n_ops])
		n_ops++;
	while (n_conflicts < 4 && c->conflicts[n_conflicts])
		n_conflicts++;
	/* On a mismatch, show everything that came out. */
	for (i = 0; i < out->n_ops && out->n_ops != n_ops; i++)
		print_message("#   op %zu: %s\n", i, lb_op_str(&out->ops[i], buf));
	assert_int_equal(out->n_ops, n_ops);
	for (i = 0; i < n_ops; i++)
		assert_string_equal(lb_op_str(&out->ops[i], buf), c->ops[i]);
	assert_int_equal(out->n_conflicts, n_conflicts);
	for (i = 0; i < n_conflicts; i++) {
		conflict_str(&out->conflicts[i], buf, sizeof(buf));
		assert_string_equal(buf, c->conflicts[i]);
	}
}

static void run_case(void **state)
{
	const struct diff_case *c = *state;
	struct lb_ops out = { 0 };
	struct lb_owned owned;

	owned_of(c, &owned);
	assert_int_equal(lb_diff(&c->want, &c->have, &owned, &out), 0);
	check_result(c, &out);
	lb_ops_free(&out);
}

/* The kernel lists services and destinations in hash order: the result
 * must not depend on it. */
static void test_kernel_order_does_not_matter(void **state)
{
	size_t i, j, k;

	for (i = 0; i < N_CASES; i++) {
		const struct diff_case *c = &cases[i];
		struct lb_kservice svcs[8];
		struct lb_kdest dests[8][8];
		struct diff_case rev = *c;
		struct lb_ops out = { 0 };
		struct lb_owned owned;

		assert_true(c->have.n_svcs <= 8);
		for (j = 0; j < c->have.n_svcs; j++) {
			const struct lb_kservice *s = &c->have.svcs[c->have.n_svcs - 1 - j];

			svcs[j] = *s;
			assert_true(s->n_dests <= 8);
			for (k = 0; k < s->n_dests; k++)
				dests[j][k] = s->dests[s->n_dests - 1 - k];
			svcs[j].dests = dests[j];
		}
		rev.have.svcs = svcs;
		owned_of(c, &owned);
		assert_int_equal(lb_diff(&rev.want, &rev.have, &owned, &out), 0);
		check_result(c, &out);
		lb_ops_free(&out);
	}
}

/* What lb_diff hands to kern_ipvs: the normalized conf, the wanted one. */
static void test_ops_carry_the_settings(void **state)
{
	const struct diff_case *c = &cases[1];   /* new service */
	struct lb_service svc6 = { .key = VS6, .conf = { .sched = "", .timeout = 99 } };
	struct lb_model want6 = { .svcs = &svc6, .n_svcs = 1 };
	struct lb_ops out = { 0 };

	assert_int_equal(lb_diff(&c->want, &c->have, NULL, &out), 0);
	assert_int_equal(out.n_ops, 3);
	assert_int_equal(out.ops[0].kind, LB_OP_ADD_SVC);
	assert_string_equal(out.ops[0].svc_conf.sched, "rr");
	assert_int_equal(out.ops[0].svc_conf.persist_prefix, 32);
	assert_int_equal(out.ops[1].kind, LB_OP_ADD_DEST);
	assert_int_equal(lb_svc_key_cmp(&out.ops[1].svc, &c->want.svcs[0].key), 0);
	assert_int_equal(out.ops[1].dest_conf.weight, 2);
	assert_int_equal(out.ops[1].dest_conf.fwd, LB_FWD_NAT);

	assert_int_equal(lb_diff(&want6, NULL, NULL, &out), 0);
	assert_int_equal(out.n_ops, 1);
	assert_string_equal(out.ops[0].svc_conf.sched, LB_SCHED_DEFAULT);
	assert_int_equal(out.ops[0].svc_conf.timeout, 0);
	/* IPVS rejects an IPv6 service whose netmask is not 1..128. */
	assert_int_equal(out.ops[0].svc_conf.persist_prefix, 128);
	lb_ops_free(&out);
}

static void test_duplicates_are_refused(void **state)
{
	struct lb_service two[] = {
		{ .key = VS1, .conf = CONF("wlc") },
		{ .key = VS1, .conf = CONF("rr") },
	};
	struct lb_dest dd[] = { D(RS1, LB_FWD_NAT, 1), D(RS1, LB_FWD_DR, 2) };
	struct lb_service one = { .key = VS1, .conf = CONF("wlc"), .dests = dd, .n_dests = 2 };
	struct lb_model m1 = { .svcs = two, .n_svcs = 2 };
	struct lb_model m2 = { .svcs = &one, .n_svcs = 1 };
	struct lb_ops out = { 0 };

	assert_int_equal(lb_diff(&m1, NULL, NULL, &out), -EINVAL);
	assert_int_equal(out.n_ops, 0);
	assert_int_equal(lb_diff(&m2, NULL, NULL, &out), -EINVAL);
	lb_ops_free(&out);
}

/* ---- weight ------------------------------------------------------------ */

static void test_effective_weight(void **state)
{
	static const struct {
		int configured;
		bool healthy, inhibit;
		int override;
		int expect;
	} t[] = {
		{ 3, true, false, LB_OVERRIDE_NONE, 3 },        /* up: the config's */
		{ 3, false, false, LB_OVERRIDE_NONE, LB_WEIGHT_ABSENT }, /* down: removed */
		{ 3, false, true, LB_OVERRIDE_NONE, 0 },        /* down, inhibit: kept at 0 */
		{ 3, true, false, 0, 0 },                       /* drained */
		{ 3, true, true, 0, 0 },
		{ 3, false, false, 0, LB_WEIGHT_ABSENT },       /* drained and down: down wins */
		{ 3, false, true, 0, 0 },
		{ 3, true, false, 7, 7 },                       /* operator weight */
		{ 0, true, false, LB_OVERRIDE_NONE, 0 },        /* weight 0 in the config */
		{ -2, true, false, LB_OVERRIDE_NONE, 0 },
		{ 3, true, true, LB_OVERRIDE_MAINT, LB_WEIGHT_ABSENT },   /* maint: out, even up */
		{ 3, false, true, LB_OVERRIDE_MAINT, LB_WEIGHT_ABSENT },  /* and not kept by inhibit */
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(lb_effective_weight(t[i].configured, t[i].healthy, t[i].inhibit,
						     t[i].override), t[i].expect);
	/* Inputs stay apart: undrain restores the configured weight. */
	assert_int_equal(lb_effective_weight(3, true, false, 0), 0);
	assert_int_equal(lb_effective_weight(3, true, false, LB_OVERRIDE_NONE), 3);
}

/* ---- ownership --------------------------------------------------------- */

static void test_owned_note(void **state)
{
	struct lb_owned o = { 0 };
	struct lb_op add1 = { .kind = LB_OP_ADD_SVC, .svc = VS1 };
	struct lb_op add2 = { .kind = LB_OP_ADD_SVC, .svc = VS2 };
	struct lb_op d11 = { .kind = LB_OP_ADD_DEST, .svc = VS1, .dest = RS1 };
	struct lb_op d12 = { .kind = LB_OP_ADD_DEST, .svc = VS1, .dest = RS2 };
	struct lb_op d21 = { .kind = LB_OP_ADD_DEST, .svc = VS2, .dest = RS1 };
	struct lb_op e11 = { .kind = LB_OP_EDIT_DEST, .svc = VS1, .dest = RS1 };
	struct lb_op x12 = { .kind = LB_OP_DEL_DEST, .svc = VS1, .dest = RS2 };
	struct lb_op x1 = { .kind = LB_OP_DEL_SVC, .svc = VS1 };
	struct lb_svc_key vs1 = VS1, vs2 = VS2;
	struct lb_dest_key rs1 = RS1, rs2 = RS2;

	assert_int_equal(lb_owned_note(&o, &add1), 0);
	assert_int_equal(lb_owned_note(&o, &add2), 0);
	assert_int_equal(lb_owned_note(&o, &d11), 0);
	assert_int_equal(lb_owned_note(&o, &d12), 0);
	assert_int_equal(lb_owned_note(&o, &d21), 0);
	assert_int_equal(lb_owned_note(&o, &e11), 0);
	assert_true(lb_owned_has_svc(&o, &vs1));
	assert_true(lb_owned_has_dest(&o, &vs1, &rs2));
	assert_int_equal(o.n_dests, 3);

	assert_int_equal(lb_owned_note(&o, &x12), 0);
	assert_false(lb_owned_has_dest(&o, &vs1, &rs2));
	assert_true(lb_owned_has_dest(&o, &vs1, &rs1));

	/* The kernel deletes a service's destinations with it. */
	assert_int_equal(lb_owned_note(&o, &x1), 0);
	assert_false(lb_owned_has_svc(&o, &vs1));
	assert_false(lb_owned_has_dest(&o, &vs1, &rs1));
	assert_true(lb_owned_has_svc(&o, &vs2));
	assert_true(lb_owned_has_dest(&o, &vs2, &rs1));
	lb_owned_free(&o);
	assert_int_equal(o.n_svcs, 0);
}

/* ---- text -------------------------------------------------------------- */

static void test_key_text(void **state)
{
	struct lb_svc_key sctp = SKEY(LB_PROTO_SCTP, V4(192, 0, 2, 1), 3868);
	struct lb_svc_key f6 = { .af = AF_INET6, .fwmark = 8 };
	struct lb_op del = { .kind = LB_OP_DEL_DEST, .svc = VS6, .dest = RS6 };
	char buf[LB_OP_STRLEN];

	assert_string_equal(lb_svc_key_str(&sctp, buf), "SCTP 192.0.2.1:3868");
	assert_string_equal(lb_svc_key_str(&f6, buf), "FWM 8 IPv6");
	assert_string_equal(lb_op_str(&del, buf), "delete destination [2001:db8::11]:80 from TCP [2001:db8::1]:80");
}

/* ---- randomized: a fake kernel must converge --------------------------- */

#define FK_SVCS 8
#define FK_DESTS 8

struct fake_kernel {
	struct lb_kservice svcs[FK_SVCS];
	struct lb_kdest dests[FK_SVCS][FK_DESTS];
	size_t n;
	struct lb_kernel view;
};

static const struct lb_svc_key pool_svc[] = {
	VS1, SKEY(LB_PROTO_UDP, V4(192, 0, 2, 1), 53), SKEY(LB_PROTO_SCTP, V4(192, 0, 2, 2), 3868),
	FWM7, VS6, { .af = AF_INET6, .fwmark = 8 },
};
static const struct lb_dest_key pool_v4[] = { RS1, RS2, RS3, RS4 };
static const struct lb_dest_key pool_v6[] = { RS6, DKEY(V6(0x12), 80), DKEY(V6(0x13), 80), DKEY(V6(0x14), 80) };

static struct lb_kernel *fk_view(struct fake_kernel *fk)
{
	size_t i;

	for (i = 0; i < fk->n; i++)
		fk->svcs[i].dests = fk->dests[i];
	fk->view.svcs = fk->svcs;
	fk->view.n_svcs = fk->n;
	return &fk->view;
}

static int fk_find(struct fake_kernel *fk, const struct lb_svc_key *k)
{
	size_t i;

	for (i = 0; i < fk->n; i++)
		if (lb_svc_key_cmp(&fk->svcs[i].key, k) == 0)
			return (int)i;
	return -1;
}

static int fk_find_dest(struct fake_kernel *fk, int s, const struct lb_dest_key *d)
{
	size_t i;

	for (i = 0; i < fk->svcs[s].n_dests; i++)
		if (lb_dest_key_cmp(&fk->dests[s][i].key, d) == 0)
			return (int)i;
	return -1;
}

static void fk_add_dest(struct fake_kernel *fk, int s, const struct lb_dest_key *d, const struct lb_dest_conf *c)
{
	size_t n = fk->svcs[s].n_dests;

	assert_true(n < FK_DESTS);
	memset(&fk->dests[s][n], 0, sizeof(fk->dests[s][n]));
	fk->dests[s][n].key = *d;
	fk->dests[s][n].conf = *c;
	fk->svcs[s].n_dests = n + 1;
}

/* Apply one op as IPVS would, checking that vigil only ever touches what
 * it created. */
static void fk_apply(struct fake_kernel *fk, const struct lb_owned *own, const struct lb_op *op)
{
	int s = fk_find(fk, &op->svc), d;

	switch (op->kind) {
	case LB_OP_ADD_SVC:
		assert_int_equal(s, -1);
		assert_true(fk->n < FK_SVCS);
		memset(&fk->svcs[fk->n], 0, sizeof(fk->svcs[fk->n]));
		fk->svcs[fk->n].key = op->svc;
		fk->svcs[fk->n].conf = op->svc_conf;
		fk->n++;
		return;
	case LB_OP_EDIT_SVC:
		assert_true(s >= 0 && lb_owned_has_svc(own, &op->svc));
		fk->svcs[s].conf = op->svc_conf;
		return;
	case LB_OP_DEL_SVC:
		assert_true(s >= 0 && lb_owned_has_svc(own, &op->svc));
		fk->n--;
		fk->svcs[s] = fk->svcs[fk->n];
		memcpy(fk->dests[s], fk->dests[fk->n], sizeof(fk->dests[s]));
		return;
	case LB_OP_ADD_DEST:
		assert_true(s >= 0 && lb_owned_has_svc(own, &op->svc));
		assert_int_equal(fk_find_dest(fk, s, &op->dest), -1);
		fk_add_dest(fk, s, &op->dest, &op->dest_conf);
		return;
	case LB_OP_EDIT_DEST:
		assert_true(s >= 0);
		d = fk_find_dest(fk, s, &op->dest);
		assert_true(d >= 0 && lb_owned_has_dest(own, &op->svc, &op->dest));
		fk->dests[s][d].conf = op->dest_conf;
		return;
	case LB_OP_DEL_DEST:
		assert_true(s >= 0);
		d = fk_find_dest(fk, s, &op->dest);
		assert_true(d >= 0 && lb_owned_has_dest(own, &op->svc, &op->dest));
		fk->svcs[s].n_dests--;
		fk->dests[s][d] = fk->dests[s][fk->svcs[s].n_dests];
		return;
	}
	fail();
}

static unsigned pick(unsigned n)
{
	return (unsigned)rand() % n;
}

static void random_model(struct lb_model *m, struct lb_service svcs[], struct lb_dest dests[][4])
{
	static const char *const scheds[] = { "rr", "wrr", "wlc", "", "sh" };
	size_t i, j;

	m->svcs = svcs;
	m->n_svcs = 0;
	for (i = 0; i < sizeof(pool_svc) / sizeof(pool_svc[0]); i++) {
		struct lb_service *s = &svcs[m->n_svcs];
		const struct lb_dest_key *pool = pool_svc[i].af == AF_INET6 ? pool_v6 : pool_v4;

		if (pick(10) < 4)
			continue;
		memset(s, 0, sizeof(*s));
		s->key = pool_svc[i];
		snprintf(s->conf.sched, sizeof(s->conf.sched), "%s", scheds[pick(5)]);
		if (pick(3) == 0) {
			s->conf.flags = LB_SVC_F_PERSISTENT;
			s->conf.timeout = pick(2) ? 60 : 300;
			s->conf.persist_prefix = pick(2) ? 0 : (s->key.af == AF_INET6 ? 64 : 24);
		} else if (pick(2)) {
			s->conf.timeout = 300;   /* ignored without persistence */
		}
		s->dests = dests[m->n_svcs];
		for (j = 0; j < 4; j++) {
			struct lb_dest *d = &s->dests[s->n_dests];

			if (pick(2))
				continue;
			memset(d, 0, sizeof(*d));
			d->key = pool[j];
			d->conf.fwd = (enum lb_fwd)pick(3);
			d->conf.weight = (int)pick(4);
			if (pick(4) == 0) {
				d->conf.u_thresh = 100;
				d->conf.l_thresh = 10;
			}
			s->n_dests++;
		}
		m->n_svcs++;
	}
}

static void test_random_reconcile_converges(void **state)
{
	static struct fake_kernel fk;
	struct lb_service svcs[6];
	struct lb_dest dests[6][4];
	struct lb_owned own = { 0 };
	struct lb_ops ops = { 0 };
	struct lb_model m;
	struct lb_dest_conf foreign = { .fwd = LB_FWD_DR, .weight = 9 };
	struct lb_svc_key fwm7 = FWM7, vs1 = VS1;
	struct lb_dest_key rs4 = RS4;
	size_t seen[LB_OP_DEL_DEST + 1] = { 0 }, conflicts = 0;
	int round, s;
	size_t i;

	srand(4242);
	memset(&fk, 0, sizeof(fk));
	/* Someone else's fwmark service, with a real server. */
	fk.svcs[0].key = fwm7;
	snprintf(fk.svcs[0].conf.sched, sizeof(fk.svcs[0].conf.sched), "rr");
	fk.svcs[0].conf.persist_prefix = 32;
	fk.n = 1;
	fk_add_dest(&fk, 0, &rs4, &foreign);

	for (round = 0; round < 2000; round++) {
		random_model(&m, svcs, dests);
		/* Now and then someone adds a real server by hand to a service
		 * vigil created. */
		s = fk_find(&fk, &vs1);
		if (round % 7 == 3 && s >= 0 && fk_find_dest(&fk, s, &rs4) < 0 &&
		    !lb_owned_has_dest(&own, &vs1, &rs4))
			fk_add_dest(&fk, s, &rs4, &foreign);

		assert_int_equal(lb_diff(&m, fk_view(&fk), &own, &ops), 0);
		conflicts += ops.n_conflicts;
		for (i = 0; i < ops.n_ops; i++) {
			seen[ops.ops[i].kind]++;
			fk_apply(&fk, &own, &ops.ops[i]);
			assert_int_equal(lb_owned_note(&own, &ops.ops[i]), 0);
		}
		/* Applied: nothing left to do. */
		assert_int_equal(lb_diff(&m, fk_view(&fk), &own, &ops), 0);
		assert_int_equal(ops.n_ops, 0);
		/* The foreign service was never touched. */
		s = fk_find(&fk, &fwm7);
		assert_true(s >= 0);
		assert_string_equal(fk.svcs[s].conf.sched, "rr");
		assert_int_equal(fk.svcs[s].n_dests, 1);
		assert_int_equal(fk.dests[s][0].conf.weight, 9);
	}

	/* The run went through every kind of change. */
	for (i = 0; i <= LB_OP_DEL_DEST; i++)
		assert_true(seen[i] > 100);
	assert_true(conflicts > 100);

	/* Stop: only what vigil created goes; the foreign service stays. */
	assert_int_equal(lb_diff(NULL, fk_view(&fk), &own, &ops), 0);
	for (i = 0; i < ops.n_ops; i++) {
		fk_apply(&fk, &own, &ops.ops[i]);
		assert_int_equal(lb_owned_note(&own, &ops.ops[i]), 0);
	}
	for (i = 0; i < fk.n; i++) {
		size_t j;

		assert_false(lb_owned_has_svc(&own, &fk.svcs[i].key));
		for (j = 0; j < fk.svcs[i].n_dests; j++)
			assert_false(lb_owned_has_dest(&own, &fk.svcs[i].key, &fk.dests[i][j].key));
	}
	assert_true(fk_find(&fk, &fwm7) >= 0);
	assert_int_equal(own.n_svcs, 0);
	assert_int_equal(own.n_dests, 0);
	lb_ops_free(&ops);
	lb_owned_free(&own);
}

int main(void)
{
	struct CMUnitTest tests[N_CASES + 7];
	size_t i, n = 0;

	for (i = 0; i < N_CASES; i++) {
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = cases[i].name;
		tests[n].test_func = run_case;
		tests[n].initial_state = (void *)&cases[i];
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_kernel_order_does_not_matter);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_ops_carry_the_settings);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_duplicates_are_refused);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_effective_weight);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_owned_note);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_key_text);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_random_reconcile_converges);

	return cmocka_run_group_tests(tests, NULL, NULL);
}
