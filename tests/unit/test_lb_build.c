/*
 * test_lb_build.c - what IPVS should hold, from a seed-like configuration
 * and the health of each real server.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "lb/lb_build.h"
#include "lb/lb_diff.h"

/* Seed 001's virtual server, with a sorry server and one inhibited real
 * server added. */
static const char CONF[] =
	"virtual_server 192.0.2.100 80 {\n"
	"  delay_loop 6\n  lb_algo rr\n  lb_kind DR\n  persistence_timeout 50\n  protocol TCP\n"
	"  sorry_server 192.0.2.200 8080\n"
	"  real_server 192.0.2.133 80 { weight 3\n TCP_CHECK { connect_timeout 10 } }\n"
	"  real_server 192.0.2.134 80 { weight 3\n TCP_CHECK { connect_timeout 10 } }\n"
	"  real_server 192.0.2.135 80 { weight 3\n inhibit_on_failure\n TCP_CHECK { connect_timeout 10 } }\n"
	"}\n"
	"virtual_server fwmark 7 {\n  lb_algo wrr\n  lb_kind NAT\n"
	"  real_server 2001:db8::11 80 { weight 2\n TCP_CHECK { } }\n"
	"}\n";

struct health {
	bool up[2][3];
	int weight[2][3];
	int override[2][3];      /* 0: none; 99: drain (0); else as lb_diff.h */
};

static bool health_of(void *arg, size_t vs, size_t rs, bool *up, int *weight, int *override)
{
	struct health *h = arg;

	*up = h->up[vs][rs];
	if (h->weight[vs][rs])
		*weight = h->weight[vs][rs];
	if (h->override[vs][rs])
		*override = h->override[vs][rs] == 99 ? 0 : h->override[vs][rs];
	return true;
}

static struct conf *load(void)
{
	struct conf_diags d = { 0 };
	struct conf *c = conf_load_buffer("t.conf", CONF, sizeof(CONF) - 1, CONF_NO_INCLUDE, &d);

	if (!c)
		conf_diags_print(&d, stderr);
	conf_diags_free(&d);
	assert_non_null(c);
	return c;
}

static const struct lb_dest *find(const struct lb_service *s, const char *ip)
{
	struct vaddr a;

	vaddr_parse(&a, ip);
	for (size_t i = 0; i < s->n_dests; i++)
		if (vaddr_equal(&s->dests[i].key.addr, &a))
			return &s->dests[i];
	return NULL;
}

static void test_service_from_config(void **state)
{
	struct conf *c = load();
	struct health h = { .up = { { true, true, true }, { true } } };
	struct lb_model m;
	const struct lb_service *s;

	assert_int_equal(lb_model_from_conf(c, health_of, NULL, &h, &m), 0);
	assert_int_equal(m.n_svcs, 2);
	s = &m.svcs[0];
	assert_int_equal(s->key.af, AF_INET);
	assert_int_equal(s->key.proto, LB_PROTO_TCP);
	assert_int_equal(s->key.port, 80);
	assert_string_equal(s->conf.sched, "rr");
	assert_true(s->conf.flags & LB_SVC_F_PERSISTENT);
	assert_int_equal(s->conf.timeout, 50);
	assert_int_equal(s->n_dests, 3);
	assert_int_equal(find(s, "192.0.2.133")->conf.fwd, LB_FWD_DR);
	assert_int_equal(find(s, "192.0.2.133")->conf.weight, 3);
	assert_null(find(s, "192.0.2.200"));   /* sorry server only when all are down */

	s = &m.svcs[1];
	assert_int_equal(s->key.fwmark, 7);
	assert_int_equal(s->key.af, AF_INET6);
	assert_string_equal(s->conf.sched, "wrr");
	assert_int_equal(s->dests[0].conf.fwd, LB_FWD_NAT);
	lb_model_free(&m);
	conf_free(c);
}

static void test_down_is_removed_or_inhibited(void **state)
{
	struct conf *c = load();
	struct health h = { .up = { { true, false, false }, { true } } };
	struct lb_model m;
	const struct lb_service *s;

	assert_int_equal(lb_model_from_conf(c, health_of, NULL, &h, &m), 0);
	s = &m.svcs[0];
	assert_non_null(find(s, "192.0.2.133"));
	assert_null(find(s, "192.0.2.134"));                    /* down: removed */
	assert_non_null(find(s, "192.0.2.135"));                /* down, inhibited: */
	assert_int_equal(find(s, "192.0.2.135")->conf.weight, 0); /* weight 0 */
	lb_model_free(&m);
	conf_free(c);
}

/* An operator's drain, weight and maint reach the model; the keys the
 * operator names them by are the ones ipvsadm shows. */
static void test_overrides_and_keys(void **state)
{
	struct conf *c = load();
	struct health h = { .up = { { true, true, false }, { true } },
			    .override = { { 99, 7, LB_OVERRIDE_MAINT }, { LB_OVERRIDE_MAINT } } };
	char vk[LB_KEY_STRLEN], rk[LB_KEY_STRLEN];
	struct lb_model m;
	const struct lb_service *s;

	assert_int_equal(lb_model_from_conf(c, health_of, NULL, &h, &m), 0);
	s = &m.svcs[0];
	assert_int_equal(find(s, "192.0.2.133")->conf.weight, 0);   /* drained */
	assert_int_equal(find(s, "192.0.2.134")->conf.weight, 7);   /* operator's weight */
	assert_null(find(s, "192.0.2.135"));     /* maint: out, though inhibit_on_failure */
	assert_int_equal(m.svcs[1].n_dests, 0);
	lb_model_free(&m);

	lb_conf_keys(c, 0, 1, vk, rk);
	assert_string_equal(vk, "TCP 192.0.2.100:80");
	assert_string_equal(rk, "192.0.2.134:80");
	lb_conf_keys(c, 1, 0, vk, rk);
	assert_string_equal(vk, "FWM 7 IPv6");
	assert_string_equal(rk, "[2001:db8::11]:80");
	conf_free(c);
}

static void test_sorry_server_when_none_is_up(void **state)
{
	struct conf *c = load();
	struct health h = { .up = { { false, false, false }, { false } } };
	struct lb_model m;
	const struct lb_dest *d;

	assert_int_equal(lb_model_from_conf(c, health_of, NULL, &h, &m), 0);
	d = find(&m.svcs[0], "192.0.2.200");
	assert_non_null(d);
	assert_int_equal(d->key.port, 8080);
	assert_int_equal(d->conf.weight, 1);
	assert_int_equal(m.svcs[1].n_dests, 0);   /* no sorry server there */
	lb_model_free(&m);
	conf_free(c);
}

static void test_dynamic_weight_is_used(void **state)
{
	struct conf *c = load();
	struct health h = { .up = { { true, true, true }, { true } }, .weight = { { 7 } } };
	struct lb_model m;

	assert_int_equal(lb_model_from_conf(c, health_of, NULL, &h, &m), 0);
	assert_int_equal(find(&m.svcs[0], "192.0.2.133")->conf.weight, 7);
	lb_model_free(&m);
	conf_free(c);
}

static bool no_quorum(void *arg, size_t vs)
{
	return vs != 0;
}

static void test_sorry_server_when_quorum_is_lost(void **state)
{
	struct conf *c = load();
	struct health h = { .up = { { true, true, true }, { true } } };
	struct lb_model m;

	assert_int_equal(lb_model_from_conf(c, health_of, no_quorum, &h, &m), 0);
	assert_non_null(find(&m.svcs[0], "192.0.2.200"));
	assert_non_null(find(&m.svcs[0], "192.0.2.133"));   /* the live ones stay */
	lb_model_free(&m);
	conf_free(c);
}

static void test_quorum_hysteresis(void **state)
{
	/* quorum 6, hysteresis 1: lost below 5, back at 7 */
	assert_true(lb_quorum_next(true, 6, 6, 1));
	assert_true(lb_quorum_next(true, 5, 6, 1));
	assert_false(lb_quorum_next(true, 4, 6, 1));
	assert_false(lb_quorum_next(false, 6, 6, 1));
	assert_true(lb_quorum_next(false, 7, 6, 1));
	/* no hysteresis: the quorum itself */
	assert_false(lb_quorum_next(true, 2, 3, 0));
	assert_true(lb_quorum_next(false, 3, 3, 0));
}

/* After a crash the kernel still holds the services of the earlier run:
 * the ones the configuration names are taken over, a hand-made destination
 * in them and a hand-made service stay foreign. */
static void test_adopt_after_restart(void **state)
{
	struct conf *c = load();
	struct health h = { .up = { { true, true, true }, { true } } };
	struct lb_model m;
	struct lb_kernel k = { 0 };
	struct lb_kservice ks[2];
	struct lb_kdest kd[2];
	struct lb_owned owned = { 0 };
	struct lb_dest_key hand;

	assert_int_equal(lb_model_from_conf(c, health_of, NULL, &h, &m), 0);
	memset(ks, 0, sizeof(ks));
	memset(kd, 0, sizeof(kd));
	ks[0].key = m.svcs[0].key;                      /* ours, left behind */
	kd[0].key = m.svcs[0].dests[0].key;             /* ours */
	vaddr_parse(&hand.addr, "192.0.2.77");
	hand.port = 80;
	kd[1].key = hand;                               /* added by hand */
	ks[0].dests = kd;
	ks[0].n_dests = 2;
	ks[1].key = m.svcs[0].key;
	ks[1].key.port = 8080;                          /* a hand-made service */
	k.svcs = ks;
	k.n_svcs = 2;

	assert_int_equal(lb_adopt(&m, &k, &owned), 2);
	assert_true(lb_owned_has_svc(&owned, &ks[0].key));
	assert_true(lb_owned_has_dest(&owned, &ks[0].key, &kd[0].key));
	assert_false(lb_owned_has_dest(&owned, &ks[0].key, &hand));
	assert_false(lb_owned_has_svc(&owned, &ks[1].key));
	assert_int_equal(lb_adopt(&m, &k, &owned), 0);  /* once is enough */
	lb_owned_free(&owned);
	lb_model_free(&m);
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_from_config),
		cmocka_unit_test(test_down_is_removed_or_inhibited),
		cmocka_unit_test(test_overrides_and_keys),
		cmocka_unit_test(test_sorry_server_when_none_is_up),
		cmocka_unit_test(test_dynamic_weight_is_used),
		cmocka_unit_test(test_sorry_server_when_quorum_is_lost),
		cmocka_unit_test(test_quorum_hysteresis),
		cmocka_unit_test(test_adopt_after_restart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
