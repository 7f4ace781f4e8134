/*
 * conf_json.c - the parsed configuration as JSON (jansson), for `vigild -t`
 * dumps, the REST API and tests.  Enums are spelled with keepalived's words,
 * addresses as text, and every object says where it was written.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf/conf_int.h"

const char *conf_proto_name(enum conf_proto p)
{
	switch (p) {
	case CONF_PROTO_TCP: return "TCP";
	case CONF_PROTO_UDP: return "UDP";
	case CONF_PROTO_SCTP: return "SCTP";
	}
	return "?";
}

const char *conf_lb_kind_name(enum conf_lb_kind k)
{
	switch (k) {
	case CONF_LB_NAT: return "NAT";
	case CONF_LB_DR: return "DR";
	case CONF_LB_TUN: return "TUN";
	}
	return "?";
}

const char *conf_checker_name(enum conf_checker_type t)
{
	switch (t) {
	case CONF_CHK_TCP: return "TCP_CHECK";
	case CONF_CHK_HTTP: return "HTTP_GET";
	case CONF_CHK_SSL: return "SSL_GET";
	case CONF_CHK_MISC: return "MISC_CHECK";
	}
	return "?";
}

const char *conf_family_name(int family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" : "unspec";
}

const char *conf_scope_name(int scope)
{
	switch (scope) {
	case 0: return "global";
	case 200: return "site";
	case 253: return "link";
	case 254: return "host";
	case 255: return "nowhere";
	}
	return NULL;
}

const char *conf_addr_str(const struct conf_addr *a, char buf[CONF_ADDR_STRLEN])
{
	buf[0] = '\0';
	if (a->family == AF_INET)
		inet_ntop(AF_INET, &a->u.v4, buf, CONF_ADDR_STRLEN);
	else if (a->family == AF_INET6)
		inet_ntop(AF_INET6, &a->u.v6, buf, CONF_ADDR_STRLEN);
	return buf;
}

/* ------------------------------------------------------------------ */

/* Bytes that are not UTF-8 (a Latin-1 comment glued to a value) must not
 * lose the whole value: jansson refuses them, so show them as '?'. */
static json_t *jtext(const char *s)
{
	json_t *j;
	char *copy;

	if (!s)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	copy = conf_xstrdup(s);
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j ? j : json_null();
}

static json_t *jaddr(const struct conf_addr *a)
{
	char b[CONF_ADDR_STRLEN];

	return a->family ? json_string(conf_addr_str(a, b)) : json_null();
}

static json_t *jsource(const struct conf_loc *l)
{
	return json_sprintf("%s:%d", l->file ? l->file : "?", l->line) ?: json_null();
}

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v ? v : json_null());
}

static json_t *jrefs(const struct conf_track_ref *r, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		set(o, "name", jtext(r[i].name));
		set(o, "index", json_integer(r[i].index));
		set(o, "weight", r[i].weight_set ? json_integer(r[i].weight) : json_null());
		set(o, "weight_reverse", json_boolean(r[i].weight_reverse));
		set(o, "source", jsource(&r[i].loc));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *jglobal(const struct conf_global *g)
{
	json_t *o = json_object(), *em = json_array();

	for (size_t i = 0; i < g->n_notification_email; i++)
		json_array_append_new(em, jtext(g->notification_email[i]));
	set(o, "router_id", jtext(g->router_id));
	set(o, "notification_email", em);
	set(o, "notification_email_from", jtext(g->notification_email_from));
	set(o, "smtp_server", jaddr(&g->smtp_server));
	set(o, "smtp_port", json_integer(g->smtp_port));
	set(o, "smtp_connect_timeout", json_real(g->smtp_connect_timeout));
	set(o, "vrrp_mcast_group4", jaddr(&g->mcast_group4));
	set(o, "vrrp_mcast_group6", jaddr(&g->mcast_group6));
	set(o, "vrrp_version", json_integer(g->vrrp_version));
	set(o, "vrrp_garp_master_delay", json_real(g->garp_master_delay));
	set(o, "vrrp_garp_master_repeat", json_integer(g->garp_master_repeat));
	set(o, "vrrp_garp_master_refresh", json_real(g->garp_master_refresh));
	set(o, "vrrp_garp_master_refresh_repeat", json_integer(g->garp_master_refresh_repeat));
	set(o, "vrrp_strict", json_boolean(g->vrrp_strict));
	set(o, "vrrp_skip_check_adv_addr", json_boolean(g->vrrp_skip_check_adv_addr));
	set(o, "enable_script_security", json_boolean(g->enable_script_security));
	set(o, "script_user", jtext(g->script_user));
	set(o, "script_group", jtext(g->script_group));
	set(o, "snmp_socket", jtext(g->snmp_socket));
	set(o, "enable_snmp_vrrp", json_boolean(g->enable_snmp_vrrp));
	set(o, "enable_snmp_checker", json_boolean(g->enable_snmp_checker));
	set(o, "enable_snmp_rfc", json_boolean(g->enable_snmp_rfc));
	set(o, "enable_snmp_rfcv2", json_boolean(g->enable_snmp_rfcv2));
	set(o, "enable_snmp_rfcv3", json_boolean(g->enable_snmp_rfcv3));
	set(o, "enable_traps", json_boolean(g->enable_traps));
	set(o, "lvs_id", jtext(g->lvs_id));
	set(o, "notify_fifo", jtext(g->notify_fifo));
	set(o, "vrrp_notify_fifo", jtext(g->vrrp_notify_fifo));
	set(o, "source", g->loc.line ? jsource(&g->loc) : json_null());
	return o;
}

static json_t *jscript(const struct conf_script *s)
{
	json_t *o = json_object();

	set(o, "name", jtext(s->name));
	set(o, "script", jtext(s->script));
	set(o, "interval", json_real(s->interval));
	set(o, "timeout", json_real(s->timeout));
	set(o, "weight", json_integer(s->weight));
	set(o, "weight_reverse", json_boolean(s->weight_reverse));
	set(o, "rise", json_integer(s->rise));
	set(o, "fall", json_integer(s->fall));
	set(o, "user", jtext(s->user));
	set(o, "group", jtext(s->group));
	set(o, "init_fail", json_boolean(s->init_fail));
	set(o, "source", jsource(&s->loc));
	return o;
}

static json_t *jtrack_file(const struct conf_track_file *t)
{
	json_t *o = json_object();

	set(o, "name", jtext(t->name));
	set(o, "file", jtext(t->path));
	set(o, "weight", json_integer(t->weight));
	set(o, "weight_reverse", json_boolean(t->weight_reverse));
	set(o, "init_file", json_boolean(t->init_file));
	set(o, "source", jsource(&t->loc));
	return o;
}

static json_t *jsync_group(const struct conf_sync_group *g)
{
	json_t *o = json_object(), *m = json_array(), *mi = json_array();

	for (size_t i = 0; i < g->n_members; i++) {
		json_array_append_new(m, jtext(g->members[i]));
		json_array_append_new(mi, json_integer(g->member_index[i]));
	}
	set(o, "name", jtext(g->name));
	set(o, "group", m);
	set(o, "group_index", mi);
	set(o, "notify_master", jtext(g->notify_master));
	set(o, "notify_backup", jtext(g->notify_backup));
	set(o, "notify_fault", jtext(g->notify_fault));
	set(o, "notify_stop", jtext(g->notify_stop));
	set(o, "notify", jtext(g->notify));
	set(o, "smtp_alert", json_boolean(g->smtp_alert));
	set(o, "track_script", jrefs(g->track_scripts, g->n_track_scripts));
	set(o, "source", jsource(&g->loc));
	return o;
}

static json_t *jvips(const struct conf_vip *v, size_t n)
{
	json_t *a = json_array();
	char b[CONF_ADDR_STRLEN];

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		const char *sc = conf_scope_name(v[i].scope);

		set(o, "address", json_sprintf("%s/%d", conf_addr_str(&v[i].addr, b), v[i].prefix));
		set(o, "family", json_string(conf_family_name(v[i].addr.family)));
		set(o, "prefix", json_integer(v[i].prefix));
		set(o, "brd", jaddr(&v[i].brd));
		set(o, "dev", jtext(v[i].dev));
		set(o, "label", jtext(v[i].label));
		set(o, "scope", sc ? json_string(sc) : json_integer(v[i].scope));
		set(o, "source", jsource(&v[i].loc));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *jvrrp(const struct conf *c, const struct conf_vrrp *v)
{
	json_t *o = json_object(), *ti = json_array(), *peers = json_array();
	static const char *const auth[] = { "NONE", "PASS", "AH" };

	for (size_t i = 0; i < v->n_track_ifs; i++) {
		json_t *t = json_object();

		set(t, "interface", jtext(v->track_ifs[i].ifname));
		set(t, "weight", json_integer(v->track_ifs[i].weight));
		set(t, "source", jsource(&v->track_ifs[i].loc));
		json_array_append_new(ti, t);
	}
	for (size_t i = 0; i < v->n_unicast_peers; i++)
		json_array_append_new(peers, jaddr(&v->unicast_peers[i]));

	set(o, "name", jtext(v->name));
	set(o, "state", json_string(v->state == CONF_STATE_MASTER ? "MASTER" : "BACKUP"));
	set(o, "interface", jtext(v->interface));
	set(o, "virtual_router_id", json_integer(v->vrid));
	set(o, "priority", json_integer(v->priority));
	set(o, "advert_int", json_real(v->advert_int));
	set(o, "version", json_integer(v->version));
	set(o, "family", json_string(conf_family_name(v->family)));
	set(o, "auth_type", json_string(auth[v->auth_type <= CONF_AUTH_AH ? v->auth_type : 0]));
	set(o, "auth_pass", v->auth_pass[0] ? jtext(v->auth_pass) : json_null());
	set(o, "virtual_ipaddress", jvips(v->vips, v->n_vips));
	set(o, "virtual_ipaddress_excluded", jvips(v->vips_excluded, v->n_vips_excluded));
	set(o, "track_interface", ti);
	set(o, "track_script", jrefs(v->track_scripts, v->n_track_scripts));
	set(o, "track_file", jrefs(v->track_files, v->n_track_files));
	set(o, "nopreempt", json_boolean(v->nopreempt));
	set(o, "preempt_delay", json_real(v->preempt_delay));
	set(o, "mcast_src_ip", jaddr(&v->mcast_src_ip));
	set(o, "unicast_src_ip", jaddr(&v->unicast_src_ip));
	set(o, "unicast_peer", peers);
	set(o, "notify_master", jtext(v->notify_master));
	set(o, "notify_backup", jtext(v->notify_backup));
	set(o, "notify_fault", jtext(v->notify_fault));
	set(o, "notify_stop", jtext(v->notify_stop));
	set(o, "notify", jtext(v->notify));
	set(o, "smtp_alert", json_boolean(v->smtp_alert));
	set(o, "accept", json_boolean(v->accept));
	set(o, "garp_master_delay", json_real(v->garp_master_delay));
	set(o, "garp_master_repeat", json_integer(v->garp_master_repeat));
	set(o, "garp_master_refresh", json_real(v->garp_master_refresh));
	set(o, "garp_master_refresh_repeat", json_integer(v->garp_master_refresh_repeat));
	set(o, "use_vmac", json_boolean(v->use_vmac));
	set(o, "vmac_name", jtext(v->vmac_name));
	set(o, "vmac_xmit_base", json_boolean(v->vmac_xmit_base));
	set(o, "dont_track_primary", json_boolean(v->dont_track_primary));
	set(o, "native_ipv6", json_boolean(v->native_ipv6));
	set(o, "sync_group", v->sync_group >= 0 && (size_t)v->sync_group < c->n_sync_groups
			     ? jtext(c->sync_groups[v->sync_group].name) : json_null());
	set(o, "source", jsource(&v->loc));
	return o;
}

static json_t *jchecker(const struct conf_checker *k)
{
	json_t *o = json_object();

	set(o, "type", json_string(conf_checker_name(k->type)));
	set(o, "connect_ip", jaddr(&k->connect_ip));
	set(o, "connect_port", json_integer(k->connect_port));
	set(o, "bindto", jaddr(&k->bindto));
	set(o, "bind_port", json_integer(k->bind_port));
	set(o, "connect_timeout", json_real(k->connect_timeout));
	set(o, "retry", json_integer(k->retry));
	set(o, "delay_before_retry", json_real(k->delay_before_retry));
	set(o, "delay_loop", json_real(k->delay_loop));
	set(o, "warmup", json_real(k->warmup));
	if (k->type == CONF_CHK_HTTP || k->type == CONF_CHK_SSL) {
		json_t *urls = json_array();

		for (size_t i = 0; i < k->n_urls; i++) {
			json_t *u = json_object();

			set(u, "path", jtext(k->urls[i].path));
			set(u, "digest", jtext(k->urls[i].digest));
			set(u, "status_code", json_integer(k->urls[i].status_code));
			set(u, "source", jsource(&k->urls[i].loc));
			json_array_append_new(urls, u);
		}
		set(o, "url", urls);
		set(o, "virtualhost", jtext(k->virtualhost));
	}
	if (k->type == CONF_CHK_MISC) {
		set(o, "misc_path", jtext(k->misc_path));
		set(o, "misc_timeout", json_real(k->misc_timeout));
		set(o, "misc_dynamic", json_boolean(k->misc_dynamic));
		set(o, "user", jtext(k->user));
		set(o, "group", jtext(k->group));
	}
	set(o, "source", jsource(&k->loc));
	return o;
}

static json_t *jrs(const struct conf_rs *r)
{
	json_t *o = json_object(), *ck = json_array();

	for (size_t i = 0; i < r->n_checkers; i++)
		json_array_append_new(ck, jchecker(&r->checkers[i]));
	set(o, "address", jaddr(&r->addr));
	set(o, "port", json_integer(r->port));
	set(o, "weight", json_integer(r->weight));
	set(o, "inhibit_on_failure", json_boolean(r->inhibit_on_failure));
	set(o, "notify_up", jtext(r->notify_up));
	set(o, "notify_down", jtext(r->notify_down));
	set(o, "uthreshold", json_integer(r->uthreshold));
	set(o, "lthreshold", json_integer(r->lthreshold));
	set(o, "delay_loop", json_real(r->delay_loop));
	set(o, "checkers", ck);
	set(o, "source", jsource(&r->loc));
	return o;
}

static json_t *jvs(const struct conf_vs *v)
{
	json_t *o = json_object(), *rs = json_array();

	for (size_t i = 0; i < v->n_rs; i++)
		json_array_append_new(rs, jrs(&v->rs[i]));
	set(o, "fwmark", v->is_fwmark ? json_integer(v->fwmark) : json_null());
	set(o, "address", v->is_fwmark ? json_null() : jaddr(&v->addr));
	set(o, "port", json_integer(v->port));
	set(o, "protocol", json_string(conf_proto_name(v->protocol)));
	set(o, "lb_algo", jtext(v->sched));
	set(o, "lb_kind", json_string(conf_lb_kind_name(v->kind)));
	set(o, "delay_loop", json_real(v->delay_loop));
	set(o, "persistent", json_boolean(v->persistent));
	set(o, "persistence_timeout", json_integer(v->persistence_timeout));
	set(o, "persistence_granularity", jaddr(&v->persistence_granularity));
	set(o, "sorry_server", v->has_sorry_server ? jaddr(&v->sorry_addr) : json_null());
	set(o, "sorry_port", json_integer(v->sorry_port));
	set(o, "sorry_server_inhibit", json_boolean(v->sorry_server_inhibit));
	set(o, "virtualhost", jtext(v->virtualhost));
	set(o, "quorum", json_integer(v->quorum));
	set(o, "hysteresis", json_integer(v->hysteresis));
	set(o, "quorum_up", jtext(v->quorum_up));
	set(o, "quorum_down", jtext(v->quorum_down));
	set(o, "alpha", json_boolean(v->alpha));
	set(o, "omega", json_boolean(v->omega));
	set(o, "inhibit_on_failure", json_boolean(v->inhibit_on_failure));
	set(o, "ha_suspend", json_boolean(v->ha_suspend));
	set(o, "ops", json_boolean(v->ops));
	set(o, "real_servers", rs);
	set(o, "source", jsource(&v->loc));
	return o;
}

json_t *conf_vrrp_summary(const struct conf *c, const struct conf_vrrp *v)
{
	json_t *o = jvrrp(c, v);

	json_object_del(o, "auth_pass");
	return o;
}

json_t *conf_script_summary(const struct conf_script *s)
{
	return jscript(s);
}

json_t *conf_vs_summary(const struct conf_vs *v)
{
	json_t *o = jvs(v);

	json_object_del(o, "real_servers");
	return o;
}

json_t *conf_rs_summary(const struct conf_rs *r)
{
	return jrs(r);
}

json_t *conf_to_json(const struct conf *c)
{
	json_t *o = json_object(), *a;

	set(o, "global", jglobal(&c->global));
	a = json_array();
	for (size_t i = 0; i < c->n_scripts; i++)
		json_array_append_new(a, jscript(&c->scripts[i]));
	set(o, "vrrp_scripts", a);
	a = json_array();
	for (size_t i = 0; i < c->n_track_files; i++)
		json_array_append_new(a, jtrack_file(&c->track_files[i]));
	set(o, "track_files", a);
	a = json_array();
	for (size_t i = 0; i < c->n_sync_groups; i++)
		json_array_append_new(a, jsync_group(&c->sync_groups[i]));
	set(o, "sync_groups", a);
	a = json_array();
	for (size_t i = 0; i < c->n_vrrps; i++)
		json_array_append_new(a, jvrrp(c, &c->vrrps[i]));
	set(o, "vrrp_instances", a);
	a = json_array();
	for (size_t i = 0; i < c->n_vss; i++)
		json_array_append_new(a, jvs(&c->vss[i]));
	set(o, "virtual_servers", a);
	if (c->split_brain.loc.line) {
		static const char *const policy[] = { "none", "yield", "script" };
		const struct conf_split_brain *sb = &c->split_brain;

		a = json_array();
		for (size_t i = 0; i < sb->n_peers; i++)
			json_array_append_new(a, json_pack("{s:s, s:s, s:o}", "name", sb->peers[i].name, "url",
							   sb->peers[i].url, "token_file", jtext(sb->peers[i].token_file)));
		set(o, "split_brain", json_pack("{s:o, s:f, s:s, s:o}", "peers", a, "interval", sb->interval,
						"policy", policy[sb->policy], "script", jtext(sb->script)));
	}
	a = json_array();
	for (size_t i = 0; i < c->n_files; i++)
		json_array_append_new(a, jtext(c->files[i]));
	set(o, "files", a);
	return o;
}
